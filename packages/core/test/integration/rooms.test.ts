/**
 * Rooms between Node Peerlink peers through a real relay: ordering, identical
 * texts, late joiners, forged and undecryptable messages, and a relay that
 * never holds plaintext.
 */
import { createPeer, loadOrCreateIdentity, MemoryKeyStore, parseRelayList, type Peerlink } from '../../src/index.js'
import { roomTopic, type Room, type RoomEvents } from '../../src/rooms/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope } from '../../src/rooms/envelope.js'
import { processMemoryContains } from './support/process-memory.js'
import { startRelay, type RelayProcess } from './support/relay.js'

/** Resolves once `done()` holds, checked on each `type` event; fails saying what it saw after `ms`. */
async function until<K extends keyof RoomEvents> (room: Room, type: K, done: () => boolean, ms = 40_000): Promise<void> {
  if (done()) return
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (!done()) return
      clearTimeout(timer)
      room.removeEventListener(type, check)
      resolve()
    }
    const timer = setTimeout(() => {
      room.removeEventListener(type, check)
      reject(new Error(`timed out waiting for ${done.toString()}: messages ${JSON.stringify(room.messages().map(m => [m.text, m.status]))}, members ${JSON.stringify(room.members().map(m => [m.name, m.state]))}`))
    }, ms)
    room.addEventListener(type, check)
  })
}

describe('rooms between Node peers through a relay', () => {
  let relay: RelayProcess
  const peers: Peerlink[] = []
  const peer = async (): Promise<Peerlink> => {
    // Node's WebRTC (node-datachannel) gathers no candidates in the loopback-only test namespace
    const p = await createPeer({ privateKey: await loadOrCreateIdentity(new MemoryKeyStore()), relays: parseRelayList(relay.infoUrl).relays, webrtc: false })
    peers.push(p)
    if (p.relays()[0]?.state !== 'reserved') await new Promise(resolve => { p.addEventListener('relay:reserved', resolve, { once: true }) })
    return p
  }

  beforeAll(async () => { relay = await startRelay() })
  afterAll(async () => {
    await Promise.all(peers.map(async p => p.stop()))
    await relay.stop()
  })

  it('delivers messages to every member in one order, keeps identical texts, and syncs a late joiner', async () => {
    const [a, b] = [await peer(), await peer()]
    await a.rooms.setDisplayName('Ann')
    await b.rooms.setDisplayName('Bob')
    const roomA = await a.rooms.create()
    const roomB = await b.rooms.join(roomA.invite)
    await until(roomA, 'members:changed', () => roomA.members().some(m => m.peerId === b.peerId && m.name === 'Bob' && m.state === 'online'))

    const canary = `canary-${Math.random().toString(36).slice(2)}`
    await roomA.send('same')
    await roomB.send('same')
    await roomA.send(canary)
    await until(roomB, 'message:added', () => roomB.messages().length === 3)
    await until(roomA, 'message:added', () => roomA.messages().length === 3)
    expect(roomA.messages().map(m => m.text).filter(t => t === 'same')).toHaveLength(2)
    expect(roomB.messages().map(m => m.id)).toEqual(roomA.messages().map(m => m.id))
    expect(roomB.messages().find(m => m.text === canary)).toMatchObject({ author: a.peerId, authorName: 'Ann', status: 'received' })
    // B's copy of A's message is acknowledged back to A
    await until(roomA, 'message:updated', () => roomA.messages().find(m => m.text === canary)?.status === 'seen')

    // C joins afterwards and pulls the history from A or B
    const c = await peer()
    const roomC = await c.rooms.join(roomA.invite)
    await until(roomC, 'message:added', () => roomC.messages().length === 3)
    expect(roomC.messages().map(m => m.id)).toEqual(roomA.messages().map(m => m.id))

    // the relay carried the room but never held the plaintext (its own PeerId is the scan's positive control)
    const pid = relay.process.pid!
    expect(await processMemoryContains(pid, relay.peerId)).toBe(true)
    expect(await processMemoryContains(pid, canary)).toBe(false)
  }, 60_000)

  it('drops forged, undecryptable and malformed frames on the topic, counting each', async () => {
    const [a, mallory] = [await peer(), await peer()]
    const room = await a.rooms.create()
    const topic = roomTopic(room.roomId)
    // mallory learned the topic (not the key) and joins the gossip
    mallory.libp2p.services.pubsub.subscribe(topic)
    await new Promise<void>(resolve => {
      const check = (): void => { if (mallory.libp2p.services.pubsub.getSubscribers(topic).length > 0) resolve(); else setTimeout(check, 100) }
      check()
    })

    // tried: a room of mallory's own with the same topic (right format, wrong key)
    const fake = await mallory.rooms.join({ roomId: room.roomId, key: new Uint8Array(32).fill(7) })
    await fake.send('let me in')
    // tried: garbage bytes, an envelope of the JSON format (version 1), and a valid-looking envelope
    // with a signature that is not a's but claiming a's PeerId
    await mallory.libp2p.services.pubsub.publish(topic, new TextEncoder().encode('garbage'))
    const json = { v: 1, t: topic, a: a.peerId, h: [Date.now(), 0], n: 'AAAAAAAAAAAAAAAA', c: 'AAAA', s: 'AAAA' }
    await mallory.libp2p.services.pubsub.publish(topic, new TextEncoder().encode(JSON.stringify(json)))
    const forged = { version: 2, topic, author: a.peerId, wall: Date.now(), counter: 0, iv: new Uint8Array(12), ciphertext: new Uint8Array(20), signature: new Uint8Array(64).fill(1) }
    await mallory.libp2p.services.pubsub.publish(topic, encodeEnvelope(forged))

    // what mallory receives of a real message is ciphertext only
    const canary = `canary-${Math.random().toString(36).slice(2)}`
    const seenByMallory = new Promise<Uint8Array>(resolve => {
      mallory.libp2p.services.pubsub.addEventListener('message', (evt) => {
        if (evt.detail.topic !== topic || evt.detail.type !== 'signed' || !evt.detail.from.equals(a.libp2p.peerId)) return
        // a's chat message, not one of its presences (whose payload is shorter than the canary)
        if (decodeEnvelope(evt.detail.data).ciphertext.byteLength >= 16 + canary.length) resolve(evt.detail.data)
      })
    })
    const sent = await room.send(canary)
    const data = new TextDecoder().decode(await seenByMallory)
    expect(data).not.toContain(canary)
    expect(fake.messages().map(m => m.text)).toEqual(['let me in'])
    expect(sent.text).toBe(canary)

    await until(room, 'message:dropped', () => room.dropped.undecryptable >= 1 && room.dropped.malformed >= 1 && room.dropped['bad-signature'] >= 1)
    expect(room.messages().map(m => m.text)).toEqual([canary])
    expect(room.members().map(m => m.peerId)).not.toContain(mallory.peerId)
  }, 60_000)
})
