/**
 * Direct messages between two real Node Peerlink peers that reach each other
 * through a real relay process (circuit relay, found through its DHT).
 */
import { createPeer, loadOrCreateIdentity, MemoryKeyStore, parseRelayList, type Peerlink } from '@peerlink/core'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startRelay, type RelayProcess } from './support/relay-process.js'
// core's index does not export the DM module yet; its built output is what '@peerlink/core' resolves to as well
import { DirectMessages, MemoryDmStore, type DirectMessage, type DirectMessagesEvents } from '../../packages/core/dist/dm/index.js'
import type { PrivateKey } from '@libp2p/interface'

interface DmPeer {
  id: string
  peer: Peerlink
  dms: DirectMessages
}

function next<K extends keyof DirectMessagesEvents> (dms: DirectMessages, type: K, match: (m: DirectMessage) => boolean = () => true): Promise<DirectMessage> {
  return new Promise(resolve => {
    const listener = (evt: CustomEvent<DirectMessage>): void => {
      if (!match(evt.detail)) return
      dms.removeEventListener(type, listener)
      resolve(evt.detail)
    }
    dms.addEventListener(type, listener)
  })
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

  /**
   * A started peer with a reservation on the relay, and its DM service on
   * `store`, started after `beforeStart` (to attach listeners without a race).
   */
  async function dmPeer (privateKey: PrivateKey, store: MemoryDmStore, beforeStart: (dms: DirectMessages) => void = () => {}): Promise<DmPeer> {
    const peer = await createPeer({ privateKey, relays: parseRelayList(relay.infoUrl).relays, relayBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 } })
    cleanup.push(async () => peer.stop())
    if (peer.relays()[0]?.state !== 'reserved') {
      await new Promise(resolve => { peer.addEventListener('relay:reserved', resolve, { once: true }) })
    }
    const dms = new DirectMessages({
      libp2p: peer.libp2p,
      privateKey,
      // through the relay only: Peerlink.connectToPeer would try direct WebRTC first, which Node
      // peers in a loopback-only sandbox cannot complete (no ICE servers)
      connectToPeer: async (id, options) => peer.libp2p.dial(multiaddr(`${relay.addr('ws')}/p2p-circuit/p2p/${id}`), options)
    }, { store, retry: { initialMs: 200, maxMs: 1000, jitter: 0 } })
    cleanup.push(async () => dms.stop())
    beforeStart(dms)
    await dms.start()
    return { id: peer.peerId, peer, dms }
  }

  it('delivers A→B: delivered (acked) at A, received at B, same text', async () => {
    const a = await dmPeer(await loadOrCreateIdentity(new MemoryKeyStore()), new MemoryDmStore())
    const b = await dmPeer(await loadOrCreateIdentity(new MemoryKeyStore()), new MemoryDmStore())
    const received = next(b.dms, 'dm:added')
    const delivered = next(a.dms, 'dm:updated')
    const sent = await a.dms.send(b.id, 'Hello B, this is A ✉️')
    expect(sent.status).toBe('queued')
    expect(await delivered).toMatchObject({ id: sent.id, status: 'delivered', own: true })
    expect(await received).toEqual({ ...sent, peerId: a.id, status: 'received', own: false })
    expect((await a.dms.conversation(b.id)).map(m => [m.text, m.status])).toEqual([['Hello B, this is A ✉️', 'delivered']])
    expect((await b.dms.conversation(a.id)).map(m => [m.text, m.status])).toEqual([['Hello B, this is A ✉️', 'received']])
    expect(a.dms.safetyNumber(b.id)).toBe(b.dms.safetyNumber(a.id))

    // and back
    const reply = next(a.dms, 'dm:added')
    await b.dms.send(a.id, 'Hi A')
    expect((await reply).text).toBe('Hi A')
  }, 60_000)

  it('keeps a message queued while B is stopped and delivers it once B is back with the same key', async () => {
    const a = await dmPeer(await loadOrCreateIdentity(new MemoryKeyStore()), new MemoryDmStore())
    const bKey = await loadOrCreateIdentity(new MemoryKeyStore())
    const bStore = new MemoryDmStore()
    const b1 = await dmPeer(bKey, bStore)
    const first = next(b1.dms, 'dm:added')
    await a.dms.send(b1.id, 'before')
    await first
    await b1.dms.stop()
    await b1.peer.stop()

    let bIsBack = false
    const delivered = next(a.dms, 'dm:updated', m => m.text === 'while you were away').then(m => ({ m, early: !bIsBack }))
    const queued = await a.dms.send(b1.id, 'while you were away')
    expect((await a.dms.conversation(b1.id)).find(m => m.id === queued.id)?.status).toBe('queued')

    // B comes back: a new libp2p node with the same identity and the same stored messages
    bIsBack = true
    let received: Promise<DirectMessage> | undefined
    const b2 = await dmPeer(bKey, bStore, dms => { received = next(dms, 'dm:added', m => m.id === queued.id) })
    expect(b2.id).toBe(b1.id)

    const { m, early } = await delivered
    expect(early).toBe(false)
    expect(m).toMatchObject({ id: queued.id, status: 'delivered' })
    expect(await received).toMatchObject({ text: 'while you were away', status: 'received', own: false })
    expect((await b2.dms.conversation(a.id)).map(m => m.text)).toEqual(['before', 'while you were away'])
  }, 90_000)
})
