/**
 * Downloads over connections a circuit relay limits: what fits the
 * connection's byte budget comes over it, what does not stops with a
 * RelayLimitError (no leaf fetched) instead of crawling from circuit to
 * circuit, and resumes by itself once a connection that can carry it opens.
 * Two Files services talk over in-memory streams; a limited connection counts
 * the bytes both ways and is reset at its limit, as a relay resets a circuit.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { SEGMENT_SIZE, TAG_BYTES } from '../../src/files/constants.js'
import { RelayLimitError } from '../../src/files/errors.js'
import { bytesOnTheWire, connectionBudget, fitsConnection, LimitedPaths } from '../../src/files/transfer/relay-limit.js'
import { blob, contents, data, peer, stopPeers, until, type FakeLibp2p, type TestPeer } from '../support/files-network.js'
import type { TransferStatus } from '../../src/files/transfer/types.js'

const KiB = 1024
const MiB = 1024 * KiB

describe('what a limited connection can carry', () => {
  it('reads the bytes left from libp2p\'s connection limits; none (or only a time limit) is no byte limit', () => {
    expect(connectionBudget({ limits: { bytes: 1_048_576n, seconds: 600 } })).toBe(1_048_576)
    expect(connectionBudget({ limits: { bytes: 0n } })).toBe(0)
    expect(connectionBudget({ limits: { seconds: 600 } })).toBeUndefined()
    expect(connectionBudget({})).toBeUndefined()
  })

  it('a 256 KiB file fits a fresh 1 MiB circuit, 16 MiB does not; no limit carries anything, nothing left needs nothing', () => {
    const small = { bytes: 256 * KiB + 2 * TAG_BYTES, blocks: 2 }
    const large = { bytes: 16 * MiB + 65 * TAG_BYTES, blocks: 65 }
    expect(bytesOnTheWire(small)).toBeGreaterThan(small.bytes)
    expect(bytesOnTheWire(small)).toBeLessThan(MiB / 2)
    expect(fitsConnection(MiB, small)).toBe(true)
    expect(fitsConnection(MiB, large)).toBe(false)
    expect(fitsConnection(undefined, large)).toBe(true)
    expect(fitsConnection(0, { bytes: 0, blocks: 0 })).toBe(true)
    // what is left shrinks as leaves arrive: the last few leaves of a large file fit
    expect(fitsConnection(MiB, { bytes: 3 * SEGMENT_SIZE, blocks: 3 })).toBe(true)
    expect(fitsConnection(MiB, { bytes: 4 * SEGMENT_SIZE, blocks: 4 })).toBe(false)
  })
})

describe('LimitedPaths', () => {
  const left = { bytes: 16 * MiB, blocks: 65 }

  it('says nothing while a provider is in use or being tried, or before the grace period ends', () => {
    const paths = new LimitedPaths(1000)
    expect(paths.verdict(0, { inUse: 0, trying: 0, left })).toBeUndefined()
    paths.refuse('a', MiB)
    expect(paths.verdict(0, { inUse: 1, trying: 0, left })).toBeUndefined()
    // the grace starts once none is in use
    expect(paths.verdict(5000, { inUse: 0, trying: 0, left })).toBeUndefined()
    expect(paths.verdict(5999, { inUse: 0, trying: 0, left })).toBeUndefined()
    // a provider being tried holds the verdict back, without restarting the grace
    expect(paths.verdict(6000, { inUse: 0, trying: 1, left })).toBeUndefined()
    expect(paths.verdict(6000, { inUse: 0, trying: 0, left })).toEqual({ peers: ['a'], limit: MiB, left: bytesOnTheWire(left) })
  })

  it('names every provider refused with the largest limit seen; a provider used clears it', () => {
    const paths = new LimitedPaths(0)
    paths.refuse('a', 900 * KiB)
    paths.refuse('b', MiB)
    paths.refuse('a', 500 * KiB)
    expect(paths.peers).toEqual(['a', 'b'])
    expect(paths.verdict(0, { inUse: 0, trying: 0, left })).toEqual({ peers: ['a', 'b'], limit: MiB, left: bytesOnTheWire(left) })
    paths.use('a')
    expect(paths.has('a')).toBe(false)
    expect(paths.peers).toEqual(['b'])
    paths.use('b')
    expect(paths.verdict(10, { inUse: 0, trying: 0, left })).toBeUndefined()
  })
})


afterEach(stopPeers)

interface SharedFile {
  ann: TestPeer
  bob: TestPeer
  /** The file's plaintext. */
  bytes: Uint8Array
  cid: string
  key: Uint8Array
  /** Bob starts downloading the file from Ann. */
  download(): void
}

/**
 * The setup of every download case: Ann shares a file of `size` bytes, and the connections Bob opens (to Ann, when
 * he downloads) are limited by `limit`.
 */
async function sharedFile ({ size, limit, name = 'large.bin' }: { size: number, limit: FakeLibp2p['nextLimit'], name?: string }): Promise<SharedFile> {
  const ann = await peer()
  const bob = await peer()
  bob.libp2p.nextLimit = limit
  const bytes = data(size)
  const { status, link } = await ann.files.share(blob(bytes, name))
  return {
    ann,
    bob,
    bytes,
    cid: status.cid,
    key: link.key,
    download: () => { bob.files.download({ cid: status.cid, key: link.key, providers: [ann.id] }) }
  }
}

describe('downloading over a relay\'s limited connection', { timeout: 30_000 }, () => {
  it('a file that fits the connection\'s limit completes over it', async () => {
    const { bob, bytes, cid, key, download } = await sharedFile({ size: 256 * KiB, limit: MiB, name: 'small.bin' })
    download()
    const done = await until(bob.files, cid, s => s.state === 'complete' || s.state === 'failed')
    expect(done.state).toBe('complete')
    expect(done.relayLimit).toBeUndefined()
    const connection = bob.libp2p.connections[0]
    expect(connection?.limit).toBe(MiB)
    expect(connection?.status).toBe('open')
    expect(connection?.used).toBeGreaterThan(256 * KiB)
    expect(await contents(cid, key, bob.chunks)).toEqual(bytes)
  })

  it('a file larger than the limit stops with RelayLimitError, fetching no leaf, and resumes by itself once a direct connection opens', async () => {
    const { ann, bob, bytes, cid, key, download } = await sharedFile({ size: 2 * MiB + 5, limit: MiB })
    const served: number[] = []
    ann.files.addEventListener('transfer:updated', (evt) => { served.push(evt.detail.served) })
    download()

    const failed = await until(bob.files, cid, s => s.state === 'failed' || s.state === 'complete')
    expect(failed.state).toBe('failed')
    expect(failed.error).toMatch(/^RelayLimitError: /)
    expect(failed.relayLimit).toEqual({ peers: [ann.id], limit: expect.any(Number), left: expect.any(Number) })
    // the limit is the connection's, as it opened; what is left is more
    expect(failed.relayLimit?.limit).toBeLessThanOrEqual(MiB)
    expect(failed.relayLimit?.limit).toBeGreaterThan(MiB - 16 * KiB)
    expect(failed.relayLimit?.left).toBeGreaterThan(2 * MiB)
    expect(failed.size).toBe(bytes.byteLength)
    // only the root and manifest came: no leaf, and the relayed connection was not used up
    expect(failed).toMatchObject({ blocks: 0, fetched: 0, bytes: 0 })
    const relayed = bob.libp2p.connections[0]
    expect(relayed?.status).toBe('open')
    expect(relayed?.used).toBeLessThan(64 * KiB)
    expect(Math.max(0, ...served)).toBeLessThanOrEqual(2)

    // a direct connection to Ann opens: the download goes on by itself, over it
    bob.libp2p.open(ann.id, 'none')
    const done = await until(bob.files, cid, s => s.state === 'complete')
    expect(done.relayLimit).toBeUndefined()
    expect(done.error).toBeUndefined()
    expect(relayed?.used).toBeLessThan(64 * KiB)
    expect(await contents(cid, key, bob.chunks)).toEqual(bytes)
  })

  it('another relayed connection as limited does not resume it; "Resume" tries again and stops again for the same reason', async () => {
    const { ann, bob, cid, download } = await sharedFile({ size: 2 * MiB, limit: MiB })
    download()
    await until(bob.files, cid, s => s.state === 'failed')
    const updates: TransferStatus[] = []
    bob.files.addEventListener('transfer:updated', (evt) => { updates.push(evt.detail) })
    bob.libp2p.open(ann.id, MiB)
    expect(bob.files.get(cid)?.state).toBe('failed')
    expect(updates).toEqual([])

    bob.files.resume(cid)
    expect(bob.files.get(cid)).toMatchObject({ state: 'downloading' })
    expect(bob.files.get(cid)?.relayLimit).toBeUndefined()
    const again = await until(bob.files, cid, s => s.state === 'failed')
    expect(again.relayLimit?.peers).toEqual([ann.id])
    expect(again.fetched).toBe(0)
  })

  it('a connection reported open that takes no stream (WebRTC whose ICE never connected) neither resumes it nor is used', async () => {
    const { ann, bob, cid, download } = await sharedFile({ size: 2 * MiB, limit: MiB })
    download()
    await until(bob.files, cid, s => s.state === 'failed')
    const phantom = bob.libp2p.open(ann.id, 'phantom')
    // it is tried before resuming, and takes no stream: the download stays stopped
    await phantom.refused
    expect(phantom.streamsAsked).toBe(1)
    expect(bob.files.get(cid)?.state).toBe('failed')
    const states: string[] = []
    bob.files.addEventListener('transfer:updated', (evt) => { states.push(evt.detail.state) })
    // a real direct connection then resumes it, over that one (the phantom, sorting first for having no limits, is tried and passed over)
    const direct = bob.libp2p.open(ann.id, 'none')
    const done = await until(bob.files, cid, s => s.state === 'complete')
    expect(states.filter(s => s === 'failed')).toEqual([])
    expect(done.fetched).toBe(9)
    expect(direct.used).toBeGreaterThan(2 * MiB)
    expect(phantom.used).toBe(0)
  })

  it('a provider whose connection has no byte limit (a relay limiting time only) is used for any size', async () => {
    const { bob, cid, download } = await sharedFile({ size: 2 * MiB, limit: 'time' })
    download()
    const done = await until(bob.files, cid, s => s.state === 'complete' || s.state === 'failed')
    expect(done.state).toBe('complete')
    expect(bob.libp2p.connections.map(c => c.limit)).toEqual(['time'])
  })

  it('the error is a RelayLimitError with a stable name', () => {
    const err = new RelayLimitError('x', { peers: ['a'], limit: 1, left: 2 })
    expect(err.name).toBe('RelayLimitError')
    expect(err.limit).toEqual({ peers: ['a'], limit: 1, left: 2 })
  })
})
