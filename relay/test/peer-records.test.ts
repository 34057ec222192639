import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { defaultLogger } from '@libp2p/logger'
import { MemoryDatastore } from 'datastore-core'
import type { FsDatastore } from 'datastore-fs'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PeerRecords } from '../src/peer-records.js'

const GRACE = 1000

/**
 * A real libp2p node (no transports) whose peer store lives in PeerRecords'
 * memory; peers "leave" by the node's own peer:disconnect event, and the
 * clock is Vitest's (only Date: the sweep is called by hand).
 */
describe('PeerRecords', () => {
  let node: Libp2p
  let records: PeerRecords
  let disk: MemoryDatastore

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    disk = new MemoryDatastore()
    records = new PeerRecords(disk as unknown as FsDatastore, { grace: GRACE, log: defaultLogger().forComponent('test') })
    node = await createLibp2p({ datastore: records.datastore })
    records.attach({ events: node, peerStore: node.peerStore, getConnections: (peer) => node.getConnections(peer) })
    records.start()
  })

  afterEach(async () => {
    records.stop()
    await node.stop()
    vi.useRealTimers()
  })

  async function visitor (tags?: Record<string, { value: number }>): Promise<ReturnType<typeof peerIdFromPrivateKey>> {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await node.peerStore.merge(peer, { tags, metadata: { seen: new Uint8Array([1]) } })
    return peer
  }

  function leaves (peer: ReturnType<typeof peerIdFromPrivateKey>): void {
    node.safeDispatchEvent('peer:disconnect', { detail: peer })
  }

  it('keeps records in memory, never in the datastore beneath', async () => {
    await visitor()
    expect(records.stats.records).toBe(1)
    const onDisk: string[] = []
    for await (const key of disk.queryKeys({ prefix: '/peers' })) onDisk.push(key.toString())
    expect(onDisk).toEqual([])
  })

  it('forgets an untagged peer once it is gone for the grace, not before', async () => {
    const peer = await visitor()
    leaves(peer)
    vi.advanceTimersByTime(GRACE - 1)
    await records.sweep()
    expect(await node.peerStore.has(peer)).toBe(true)
    vi.advanceTimersByTime(1)
    await records.sweep()
    expect(await node.peerStore.has(peer)).toBe(false)
    expect(records.stats).toEqual({ records: 0, forgotten: 1 })
  })

  it('forgets a peer whose tag goes after the grace (a reservation ended while it was away)', async () => {
    const peer = await visitor({ 'circuit-relay-source': { value: 1 } })
    leaves(peer)
    vi.advanceTimersByTime(GRACE)
    await records.sweep()
    expect(await node.peerStore.has(peer)).toBe(true)
    // the reservation ends later, untagging the peer
    await node.peerStore.merge(peer, { tags: { 'circuit-relay-source': undefined } })
    await records.sweep()
    expect(await node.peerStore.has(peer)).toBe(false)
    expect(records.stats.records).toBe(0)
  })

  it('forgets a record written again after its peer was forgotten', async () => {
    const peer = await visitor()
    leaves(peer)
    vi.advanceTimersByTime(GRACE)
    await records.sweep()
    expect(await node.peerStore.has(peer)).toBe(false)
    // a late write (an untag, an address learned from the DHT) makes the record again, with no disconnect to follow
    await node.peerStore.merge(peer, { metadata: { late: new Uint8Array([2]) } })
    expect(records.stats.records).toBe(1)
    vi.advanceTimersByTime(GRACE)
    await records.sweep()
    expect(await node.peerStore.has(peer)).toBe(false)
    expect(records.stats).toEqual({ records: 0, forgotten: 2 })
  })

  it('keeps a tagged peer (a configured relay, a routing table entry) for as long as the tag stays', async () => {
    const peer = await visitor({ 'keep-alive': { value: 1 } })
    leaves(peer)
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(GRACE)
      await records.sweep()
    }
    expect(await node.peerStore.has(peer)).toBe(true)
    expect(records.stats.forgotten).toBe(0)
  })
})
