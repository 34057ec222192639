/**
 * DirectMessages over an in-memory network: streams are @libp2p/utils stream
 * pairs, the "connection" names the dialer as remote peer (as Noise would).
 */
import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream, streamPair } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it } from 'vitest'
import { createStore, set } from 'idb-keyval'
import { decodeFrame, encodeFrame } from '../../src/dm/codec.js'
import { DM_PROTOCOL, MAX_DM_TEXT_BYTES } from '../../src/dm/constants.js'
import { DirectMessages } from '../../src/dm/direct-messages.js'
import { DmEmptyError, DmTooLargeError } from '../../src/dm/errors.js'
import { sealMessage } from '../../src/dm/seal.js'
import { DM_DB_STORE, IdbDmStore } from '../../src/dm/idb-store.js'
import { MemoryDmStore, type DmRecord, type DmStore } from '../../src/dm/store.js'
import { InvalidPeerIdError } from '../../src/errors.js'
import type { Connection, Libp2pEvents, PeerId, PrivateKey, Stream, StreamHandler } from '@libp2p/interface'
import { nextDm } from '../support/dm-events.js'
import { VECTOR_ID, VECTOR_TEXT, vectorAlice, vectorBob, vectorSealed } from '../support/dm-vector.js'
import { clearSiteData, stopTrackingConnections, trackConnections } from '../support/site-data.js'

/** Peers by PeerId; a peer is reachable while it has a handler for the protocol. */
const network = new Map<string, FakeLibp2p>()

class FakeLibp2p extends TypedEventEmitter<Libp2pEvents> {
  readonly handlers = new Map<string, StreamHandler>()
  /** Streams the handler was given, to check how they ended. */
  readonly inbound: Stream[] = []
  /** Peers we have a (fake) connection to. */
  readonly connected = new Set<string>()
  /** Connection and dial attempts. */
  attempts = 0
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
    return [...this.connected]
      .filter(id => (peer == null || id === peer.toString()) && network.get(id)?.handlers.size !== 0)
      .map(id => ({
        status: 'open',
        remoteAddr: `/fake/${id}`,
        newStream: async (protocol: string) => this.openStream(id, protocol)
      }) as unknown as Connection)
  }

  /** What `connectToPeer` does here: succeeds while the peer is up. */
  async connect (id: string): Promise<void> {
    this.attempts++
    const target = network.get(id)
    if (target == null || target.handlers.size === 0) throw new Error(`${id} is unreachable`)
    this.connected.add(id)
    target.connected.add(this.peerId.toString())
  }

  async dialProtocol (peer: PeerId, protocol: string): Promise<Stream> {
    this.attempts++
    return this.openStream(peer.toString(), protocol)
  }

  private async openStream (id: string, protocol: string): Promise<Stream> {
    const target = network.get(id)
    const handler = target?.handlers.get(protocol)
    if (target == null || handler == null) throw new Error(`${id} is unreachable`)
    const [outbound, inbound] = await streamPair()
    target.inbound.push(inbound)
    void handler(inbound, { remotePeer: this.peerId } as unknown as Connection)
    return outbound
  }
}

interface Node {
  key: PrivateKey
  id: string
  libp2p: FakeLibp2p
  store: DmStore
  dms: DirectMessages
}

const running: DirectMessages[] = []

async function node (key?: PrivateKey, store: DmStore = new MemoryDmStore(), retry = { initialMs: 20, maxMs: 100, jitter: 0 }): Promise<Node> {
  key ??= await generateKeyPair('Ed25519')
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(key))
  const dms = new DirectMessages({
    libp2p,
    privateKey: key,
    connectToPeer: async (id: string) => { await libp2p.connect(id) }
  }, { store, retry })
  running.push(dms)
  return { key, id: libp2p.peerId.toString(), libp2p, store, dms }
}

/** Resolves when `stream` has ended, with its status then. */
async function ended (stream: Stream | undefined): Promise<string> {
  if (stream == null) throw new Error('no stream')
  if (stream.status === 'closed' || stream.status === 'aborted' || stream.status === 'reset') return stream.status
  return new Promise(resolve => stream.addEventListener('close', () => { resolve(stream.status) }, { once: true }))
}

afterEach(async () => {
  for (const dms of running.splice(0)) await dms.stop()
  network.clear()
})

describe('DirectMessages', () => {
  it('delivers a message: queued then delivered at the sender, received at the recipient', async () => {
    const a = await node()
    const b = await node()
    await a.dms.start()
    await b.dms.start()
    const added = nextDm(a.dms, 'dm:added')
    const delivered = nextDm(a.dms, 'dm:updated')
    const received = nextDm(b.dms, 'dm:added')
    const sent = await a.dms.send(b.id, 'hello B')
    expect(sent).toMatchObject({ peerId: b.id, from: a.id, to: b.id, text: 'hello B', status: 'queued', own: true })
    expect(await added).toEqual(sent)
    expect(await delivered).toEqual({ ...sent, status: 'delivered' })
    expect(await received).toEqual({ ...sent, peerId: a.id, status: 'received', own: false })
    expect(await a.dms.conversation(b.id)).toEqual([{ ...sent, status: 'delivered' }])
    expect(await b.dms.conversation(a.id)).toEqual([{ ...sent, peerId: a.id, status: 'received', own: false }])
    expect((await a.store.get(b.id, sent.id))?.sealed).toBeUndefined()
    expect(a.dms.safetyNumber(b.id)).toBe(b.dms.safetyNumber(a.id))
  })

  it('sends on an existing connection without dialing or connecting again', async () => {
    const a = await node()
    const b = await node()
    await a.dms.start()
    await b.dms.start()
    await a.libp2p.connect(b.id)
    a.libp2p.attempts = 0
    const delivered = nextDm(a.dms, 'dm:updated')
    await a.dms.send(b.id, 'over the connection we have')
    expect((await delivered).status).toBe('delivered')
    expect(a.libp2p.attempts).toBe(0)
  })

  it('keeps order within a conversation and lists conversations, most recent first', async () => {
    const a = await node()
    const b = await node()
    const c = await node()
    for (const n of [a, b, c]) await n.dms.start()
    const texts = ['one', 'two', 'three', 'four']
    const allReceived = new Promise<void>(resolve => {
      let n = 0
      b.dms.addEventListener('dm:added', () => { if (++n === texts.length) resolve() })
    })
    for (const text of texts) await a.dms.send(b.id, text)
    await allReceived
    const toC = nextDm(c.dms, 'dm:added')
    await a.dms.send(c.id, 'hi C')
    await toC
    expect((await a.dms.conversation(b.id)).map(m => m.text)).toEqual(texts)
    expect((await b.dms.conversation(a.id)).map(m => m.text)).toEqual(texts)
    expect((await a.dms.conversations()).map(s => [s.peerId, s.last?.text])).toEqual([[c.id, 'hi C'], [b.id, 'four']])
  })

  it('queues while the peer is unreachable and delivers as soon as it connects', async () => {
    // a retry delay of an hour: only the peer:connect event can deliver within the test
    const a = await node(undefined, new MemoryDmStore(), { initialMs: 3_600_000, maxMs: 3_600_000, jitter: 0 })
    const b = await node()
    await a.dms.start()
    const sent = await a.dms.send(b.id, 'are you there?')
    await expect.poll(() => a.libp2p.attempts).toBeGreaterThan(0)
    expect((await a.dms.conversation(b.id))[0]?.status).toBe('queued')
    await b.dms.start()
    const delivered = nextDm(a.dms, 'dm:updated')
    a.libp2p.safeDispatchEvent('peer:connect', { detail: b.libp2p.peerId })
    expect(await delivered).toMatchObject({ id: sent.id, status: 'delivered' })
  })

  it('writes our queued messages back when the site data is cleared while it runs, and still delivers them after a restart', async () => {
    trackConnections()
    try {
      const key = await generateKeyPair('Ed25519')
      const store = new IdbDmStore('dm-cleared-test')
      const a1 = await node(key, store, { initialMs: 3_600_000, maxMs: 3_600_000, jitter: 0 })
      const b = await node()
      await a1.dms.start()
      await b.dms.start()
      const delivered = await a1.dms.send(b.id, 'delivered before the clear')
      await expect.poll(async () => (await a1.dms.conversation(b.id))[0]?.status).toBe('delivered')
      network.delete(b.id) // b is gone: the next message stays queued
      b.libp2p.handlers.clear()
      const queued = await a1.dms.send(b.id, 'queued during the clear')
      // tried: every database deleted and every connection closed by force, as "Clear site data" does
      const cleared = new Promise<CustomEvent<{ queued: number }>>(resolve => { a1.dms.addEventListener('storage:cleared', resolve, { once: true }) })
      await clearSiteData()
      expect((await cleared).detail).toEqual({ queued: 1 })
      // the delivered message is gone (said by the event); the queued one is stored again
      expect((await a1.dms.conversation(b.id)).map(m => m.id)).toEqual([queued.id])
      expect(delivered.id).not.toBe(queued.id)
      await a1.dms.stop()
      // a restart (a reload) finds it queued, and delivers it once the peer is back
      network.delete(a1.id)
      const a2 = await node(key, new IdbDmStore('dm-cleared-test'))
      const b2 = await node(b.key)
      await b2.dms.start()
      const sent = nextDm(a2.dms, 'dm:updated')
      await a2.dms.start()
      expect(await sent).toMatchObject({ id: queued.id, status: 'delivered' })
    } finally {
      stopTrackingConnections()
    }
  })

  it('resumes delivery of messages queued in the store when started again', async () => {
    const key = await generateKeyPair('Ed25519')
    const store = new MemoryDmStore()
    const a1 = await node(key, store)
    const b = await node()
    const sent = await a1.dms.send(b.id, 'sent while stopped')
    expect((await store.outbox()).map(r => r.message.id)).toEqual([sent.id])
    network.delete(a1.id)
    const a2 = await node(key, store)
    await b.dms.start()
    const delivered = nextDm(a2.dms, 'dm:updated')
    await a2.dms.start()
    expect(await delivered).toMatchObject({ id: sent.id, status: 'delivered' })
    expect(await store.outbox()).toEqual([])
  })

  it('delivers a message that dm/1.0.0 left queued in IndexedDB, with its id, and skips one it could not send', async () => {
    const dbName = 'peerlink-dm-v1-outbox'
    const raw = createStore(dbName, DM_DB_STORE)
    const v1: DmRecord = {
      message: { id: VECTOR_ID, peerId: vectorSealed.to, from: vectorSealed.from, to: vectorSealed.to, text: VECTOR_TEXT, sentAt: vectorSealed.sentAt, status: 'queued', own: true },
      sealed: vectorSealed
    }
    await set([vectorSealed.to, VECTOR_ID], v1, raw)
    // queued without its sealed copy: never sent, never shown
    const unsendable = { message: { ...v1.message, id: 'e'.repeat(64), sentAt: 1 } }
    await set([vectorSealed.to, unsendable.message.id], unsendable, raw)
    const a = await node(vectorAlice, new IdbDmStore(dbName))
    const b = await node(vectorBob)
    await b.dms.start()
    const received = nextDm(b.dms, 'dm:added')
    const delivered = nextDm(a.dms, 'dm:updated')
    await a.dms.start()
    expect(await delivered).toEqual({ ...v1.message, status: 'delivered' })
    expect(await received).toEqual({ ...v1.message, peerId: a.id, status: 'received', own: false })
    expect(await a.dms.conversation(b.id)).toEqual([{ ...v1.message, status: 'delivered' }])
    expect(await a.store.outbox()).toEqual([])
  })

  it('adds a message delivered twice only once, and acks both times', async () => {
    const a = await node()
    const b = await node()
    await b.dms.start()
    const { id, sealed } = await sealMessage({ privateKey: a.key, to: b.id, sentAt: 1, text: 'once' })
    let added = 0
    b.dms.addEventListener('dm:added', () => { added++ })
    const stream = await a.libp2p.dialProtocol(b.libp2p.peerId, DM_PROTOCOL)
    const lp = lpStream(stream)
    for (let i = 0; i < 2; i++) {
      await lp.write(encodeFrame({ type: 'message', message: sealed }))
      expect(decodeFrame((await lp.read()).subarray())).toEqual({ type: 'ack', id })
    }
    await stream.close()
    expect(added).toBe(1)
    expect(await b.dms.conversation(a.id)).toHaveLength(1)
  })

  it('rejects a genuine message from A relayed by M on M\'s own stream, and stores nothing', async () => {
    const a = await node()
    const b = await node()
    const m = await node()
    await b.dms.start()
    const { sealed } = await sealMessage({ privateKey: a.key, to: b.id, sentAt: 1, text: 'from A' })
    const stream = await m.libp2p.dialProtocol(b.libp2p.peerId, DM_PROTOCOL)
    await lpStream(stream).write(encodeFrame({ type: 'message', message: sealed }))
    expect(await ended(b.libp2p.inbound[0])).toBe('aborted')
    expect(await b.dms.conversations()).toEqual([])
  })

  it('aborts streams carrying garbage or an oversized length, and keeps serving', async () => {
    const a = await node()
    const b = await node()
    await b.dms.start()
    const garbage = await a.libp2p.dialProtocol(b.libp2p.peerId, DM_PROTOCOL)
    await lpStream(garbage).write(new TextEncoder().encode('{"type":"message","nonsense":true}'))
    expect(await ended(b.libp2p.inbound[0])).toBe('aborted')
    const oversized = await a.libp2p.dialProtocol(b.libp2p.peerId, DM_PROTOCOL)
    // a varint length prefix announcing 1 MiB
    oversized.send(new Uint8Array([0x80, 0x80, 0x40]))
    expect(await ended(b.libp2p.inbound[1])).toBe('aborted')
    await a.dms.start()
    const received = nextDm(b.dms, 'dm:added')
    await a.dms.send(b.id, 'still working')
    expect((await received).text).toBe('still working')
  })

  it('refuses invalid, own and non-Ed25519 PeerIds, empty and oversized text', async () => {
    const a = await node()
    const b = await node()
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
    await expect(a.dms.send('nope', 'hi')).rejects.toThrow(InvalidPeerIdError)
    await expect(a.dms.send(a.id, 'hi')).rejects.toThrow(InvalidPeerIdError)
    await expect(a.dms.send(secp, 'hi')).rejects.toThrow(InvalidPeerIdError)
    await expect(a.dms.send(b.id, '')).rejects.toThrow(DmEmptyError)
    await expect(a.dms.send(b.id, 'x'.repeat(MAX_DM_TEXT_BYTES + 1))).rejects.toThrow(DmTooLargeError)
    expect(await a.dms.conversations()).toEqual([])
    expect(() => a.dms.safetyNumber(a.id)).toThrow(InvalidPeerIdError)
  })

  it('stops cleanly with messages queued, and unregisters its protocol', async () => {
    const a = await node()
    await a.dms.start()
    expect(a.libp2p.handlers.has(DM_PROTOCOL)).toBe(true)
    const unreachable = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await a.dms.send(unreachable, 'nobody home')
    await expect.poll(() => a.libp2p.attempts).toBeGreaterThan(1)
    await a.dms.stop()
    expect(a.libp2p.handlers.has(DM_PROTOCOL)).toBe(false)
    const attempts = a.libp2p.attempts
    await new Promise(resolve => setTimeout(resolve, 150))
    expect(a.libp2p.attempts).toBe(attempts)
    expect((await a.store.outbox())).toHaveLength(1)
  })
})
