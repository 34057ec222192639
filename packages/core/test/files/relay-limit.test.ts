/**
 * Downloads over connections a circuit relay limits: what fits the
 * connection's byte budget comes over it, what does not stops with a
 * RelayLimitError (no leaf fetched) instead of crawling from circuit to
 * circuit, and resumes by itself once a connection that can carry it opens.
 * Two Files services talk over in-memory streams; a limited connection counts
 * the bytes both ways and is reset at its limit, as a relay resets a circuit.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it } from 'vitest'
import { MemoryChunkStore } from '../../src/files/chunk-store.js'
import { SEGMENT_SIZE, TAG_BYTES } from '../../src/files/constants.js'
import { RelayLimitError } from '../../src/files/errors.js'
import { readFile } from '../../src/files/export.js'
import { Files, type FilesComponents } from '../../src/files/transfer/files.js'
import { bytesOnTheWire, connectionBudget, fitsConnection, LimitedPaths } from '../../src/files/transfer/relay-limit.js'
import { MemoryTransferStore } from '../../src/files/transfer/store.js'
import type { TransferStatus } from '../../src/files/transfer/types.js'
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'
import { CID } from 'multiformats/cid'

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

/** Peers by PeerId. */
const network = new Map<string, FakeLibp2p>()

/**
 * A connection: limited like a relay's circuit when `limit` is a number (bytes both ways together, reset past
 * it), limited in time only with 'time', direct without; 'phantom' is a WebRTC connection reported open whose
 * ICE never connected (no limits, every stream fails).
 */
class FakeConnection {
  readonly id = `c${Math.random().toString(36).slice(2)}`
  readonly remoteAddr = { toString: () => '/fake' }
  readonly direction = 'outbound'
  readonly timeline = { open: Date.now() }
  status: 'open' | 'closed' = 'open'
  used = 0
  private readonly streams: Stream[] = []

  /** Streams asked of it. */
  streamsAsked = 0
  /** A phantom's: resolves when it has refused a stream. */
  readonly refused: Promise<void>
  private onRefused?: () => void

  constructor (readonly local: FakeLibp2p, readonly remote: FakeLibp2p, readonly limit?: number | 'time' | 'phantom') {
    this.refused = new Promise(resolve => { this.onRefused = resolve })
  }

  get remotePeer (): PeerId {
    return this.remote.peerId
  }

  get limits (): { bytes?: bigint, seconds: number } | undefined {
    if (this.limit == null) return undefined
    if (this.limit === 'phantom') return undefined
    if (this.limit === 'time') return { seconds: 600 }
    return { bytes: BigInt(Math.max(0, this.limit - this.used)), seconds: 600 }
  }

  async newStream (protocol: string): Promise<Stream> {
    this.streamsAsked++
    if (this.status !== 'open') throw new Error('connection closed')
    if (this.limit === 'phantom') {
      await new Promise(resolve => setTimeout(resolve, 50))
      this.onRefused?.()
      throw new Error('the data channel failed')
    }
    const handler = this.remote.handlers.get(protocol)
    if (handler == null) throw new Error(`${protocol} not handled`)
    const [outbound, inbound] = await streamPair()
    for (const stream of [outbound, inbound]) {
      this.streams.push(stream)
      stream.addEventListener('message', (evt) => {
        this.used += evt.data.byteLength
        if (typeof this.limit === 'number' && this.used > this.limit) this.reset()
      })
    }
    void handler(inbound, { remotePeer: this.local.peerId, limits: this.limits } as unknown as Connection)
    return outbound
  }

  /** What a relay does past the limit: both ends reset, the connection is gone. */
  reset (): void {
    if (this.status === 'closed') return
    this.status = 'closed'
    for (const stream of this.streams) stream.abort(new Error('data limit exceeded'))
  }
}

class FakeLibp2p extends TypedEventEmitter<{ 'connection:open': CustomEvent<Connection> }> {
  readonly handlers = new Map<string, StreamHandler>()
  readonly connections: FakeConnection[] = []
  /** The limit of the connections `connectToPeer` makes. */
  nextLimit: number | 'time' | 'phantom' | 'none' = 'none'
  readonly contentRouting = {
    provide: async () => {},
    findProviders: async function * () {}
  }

  constructor (readonly peerId: PeerId) {
    super()
    network.set(peerId.toString(), this)
  }

  async handle (protocol: string, handler: StreamHandler): Promise<void> {
    this.handlers.set(protocol, handler)
  }

  async unhandle (protocol: string): Promise<void> {
    this.handlers.delete(protocol)
  }

  getConnections (peer?: PeerId): Connection[] {
    return this.connections.filter(c => c.status === 'open' && (peer == null || c.remotePeer.equals(peer))) as unknown as Connection[]
  }

  async dialProtocol (): Promise<Stream> {
    throw new Error('not dialled in these tests')
  }

  /** Opens a connection to `id` (limited by `limit`; 'none': a direct one), as libp2p reports it. */
  open (id: string, limit = this.nextLimit): FakeConnection {
    const remote = network.get(id)
    if (remote == null) throw new Error(`${id} is unknown`)
    const connection = new FakeConnection(this, remote, limit === 'none' ? undefined : limit)
    this.connections.push(connection)
    this.safeDispatchEvent('connection:open', { detail: connection as unknown as Connection })
    return connection
  }
}

const services: Files[] = []

interface TestPeer {
  files: Files
  libp2p: FakeLibp2p
  id: string
  chunks: MemoryChunkStore
}

/** A started Files service on a fake libp2p node of the in-memory network. */
async function peer (): Promise<TestPeer> {
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  const chunks = new MemoryChunkStore()
  const files = new Files({
    libp2p: libp2p as unknown as FilesComponents['libp2p'],
    connectToPeer: async (id: string) => libp2p.open(id)
  }, { chunks, transfers: new MemoryTransferStore(), relayLimitGraceMs: 200 })
  await files.start()
  services.push(files)
  return { files, libp2p, id: libp2p.peerId.toString(), chunks }
}

/** The plaintext of a file held in `store`. */
async function contents (cid: string, key: Uint8Array, store: MemoryChunkStore): Promise<Uint8Array> {
  const { content } = await readFile(CID.parse(cid), key, { store })
  const parts: Uint8Array[] = []
  for await (const part of content) parts.push(part)
  return new Uint8Array(await new Blob(parts as Array<Uint8Array<ArrayBuffer>>).arrayBuffer())
}

function data (n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7919 + 13) & 0xff)
}

function blob (bytes: Uint8Array, name: string): { name: string, type: string, size: number, slice(s?: number, e?: number): Blob } {
  return { name, type: '', size: bytes.byteLength, slice: (s, e) => new Blob([bytes as Uint8Array<ArrayBuffer>]).slice(s, e) }
}

/** The first status of `cid` that `check` accepts (the current one included). */
async function until (files: Files, cid: string, check: (s: TransferStatus) => boolean, ms = 15_000): Promise<TransferStatus> {
  const now = files.get(cid)
  if (now != null && check(now)) return now
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no such status of ${cid} in ${ms} ms: ${JSON.stringify(files.get(cid))}`)) }, ms)
    const listener = (evt: CustomEvent<TransferStatus>): void => {
      if (evt.detail.cid !== cid || !check(evt.detail)) return
      clearTimeout(timer)
      for (const type of ['transfer:updated', 'transfer:complete'] as const) files.removeEventListener(type, listener)
      resolve(evt.detail)
    }
    for (const type of ['transfer:updated', 'transfer:complete'] as const) files.addEventListener(type, listener)
  })
}

afterEach(async () => {
  for (const files of services.splice(0)) await files.stop()
  network.clear()
})

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
