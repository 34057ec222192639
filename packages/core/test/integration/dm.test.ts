/**
 * Direct messages between two real Node Peerlink peers that reach each other
 * through a real relay process (circuit relay, found through its DHT).
 */
import { createPeer, loadOrCreateIdentity, MemoryDmStore, MemoryKeyStore, parseRelayList, type DirectMessage, type DirectMessages, type Peerlink } from '../../src/index.js'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayProcess } from './support/relay.js'
import type { PrivateKey } from '@libp2p/interface'
import { nextDm } from '../support/dm-events.js'

interface DmPeer {
  id: string
  peer: Peerlink
  dms: DirectMessages
}

/** The first message of a conversation matching `match`, already stored or arriving. */
async function arrived (dms: DirectMessages, peerId: string, match: (m: DirectMessage) => boolean): Promise<DirectMessage> {
  const coming = nextDm(dms, 'dm:added', match)
  return (await dms.conversation(peerId)).find(match) ?? coming
}

describe('direct messages between two Node peers through a relay', () => {
  let relay: RelayProcess
  const cleanup: Array<() => Promise<unknown>> = []

  beforeAll(async () => {
    relay = await startRelay()
  })
  afterAll(async () => relay?.stop())
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  /** A started peer with a reservation on the relay, its DM messages in `store`. */
  async function dmPeer (privateKey: PrivateKey, store: MemoryDmStore): Promise<DmPeer> {
    // Node's WebRTC gathers no candidates in the loopback-only test namespace: stay on relayed connections
    const peer = await createPeer({ privateKey, relays: parseRelayList(relay.infoUrl).relays, relayBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 }, webrtc: false, stores: { dms: store } })
    cleanup.push(async () => peer.stop())
    if (peer.relays()[0]?.state !== 'reserved') {
      await new Promise(resolve => { peer.addEventListener('relay:reserved', resolve, { once: true }) })
    }
    return { id: peer.peerId, peer, dms: peer.dms }
  }

  it('delivers A→B: delivered (acked) at A, received at B, same text', async () => {
    const a = await dmPeer(await loadOrCreateIdentity(new MemoryKeyStore()), new MemoryDmStore())
    const b = await dmPeer(await loadOrCreateIdentity(new MemoryKeyStore()), new MemoryDmStore())
    const received = nextDm(b.dms, 'dm:added')
    const delivered = nextDm(a.dms, 'dm:updated')
    const sent = await a.dms.send(b.id, 'Hello B, this is A ✉️')
    expect(sent.status).toBe('queued')
    expect(await delivered).toMatchObject({ id: sent.id, status: 'delivered', own: true })
    expect(await received).toEqual({ ...sent, peerId: a.id, status: 'received', own: false })
    expect((await a.dms.conversation(b.id)).map(m => [m.text, m.status])).toEqual([['Hello B, this is A ✉️', 'delivered']])
    expect((await b.dms.conversation(a.id)).map(m => [m.text, m.status])).toEqual([['Hello B, this is A ✉️', 'received']])
    expect(a.dms.safetyNumber(b.id)).toBe(b.dms.safetyNumber(a.id))

    // and back
    const reply = nextDm(a.dms, 'dm:added')
    await b.dms.send(a.id, 'Hi A')
    expect((await reply).text).toBe('Hi A')
  }, 60_000)

  it('keeps a message queued while B is stopped and delivers it once B is back with the same key', async () => {
    const a = await dmPeer(await loadOrCreateIdentity(new MemoryKeyStore()), new MemoryDmStore())
    const bKey = await loadOrCreateIdentity(new MemoryKeyStore())
    const bStore = new MemoryDmStore()
    const b1 = await dmPeer(bKey, bStore)
    const first = nextDm(b1.dms, 'dm:added')
    await a.dms.send(b1.id, 'before')
    await first
    await b1.peer.stop()

    let bIsBack = false
    const delivered = nextDm(a.dms, 'dm:updated', m => m.text === 'while you were away').then(m => ({ m, early: !bIsBack }))
    const queued = await a.dms.send(b1.id, 'while you were away')
    expect((await a.dms.conversation(b1.id)).find(m => m.id === queued.id)?.status).toBe('queued')

    // B comes back: a new libp2p node with the same identity and the same stored messages
    bIsBack = true
    const b2 = await dmPeer(bKey, bStore)
    expect(b2.id).toBe(b1.id)
    const received = arrived(b2.dms, a.id, m => m.id === queued.id)

    const { m, early } = await delivered
    expect(early).toBe(false)
    expect(m).toMatchObject({ id: queued.id, status: 'delivered' })
    expect(await received).toMatchObject({ text: 'while you were away', status: 'received', own: false })
    expect((await b2.dms.conversation(a.id)).map(m => m.text)).toEqual(['before', 'while you were away'])
  }, 90_000)
})
