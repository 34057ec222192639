import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { MAX_TEXT_BYTES, RATE_BURST } from '../../src/rooms/constants.js'
import { deriveRoomKeys, sealEnvelope } from '../../src/rooms/crypto.js'
import { toBase64url } from '../../src/rooms/encoding.js'
import { associatedData, encodeEnvelope, signedBytes } from '../../src/rooms/envelope.js'
import { EmptyMessageError, MessageTooLargeError } from '../../src/rooms/errors.js'
import { HybridClock } from '../../src/rooms/hlc.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import { Room } from '../../src/rooms/room.js'
import { MemoryRoomStore } from '../../src/rooms/store.js'

async function setup () {
  const privateKey = await generateKeyPair('Ed25519')
  const invite = createRoomInvite()
  const keys = await deriveRoomKeys(invite.key)
  const store = new MemoryRoomStore()
  let reachable = false
  const published: Uint8Array[] = []
  const pubsub = {
    publish: async (_topic: string, data: Uint8Array) => {
      if (!reachable) return { recipients: [] }
      published.push(data)
      return { recipients: [peerIdFromPrivateKey(privateKey)] }
    }
  }
  const room = new Room({
    pubsub,
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    clock: new HybridClock(),
    store,
    profile: { name: () => 'Ann', away: () => false },
    onMemberSeen: () => {}
  }, invite, keys, [])
  return { room, store, keys, invite, published, goOnline: () => { reachable = true } }
}

describe('a room', () => {
  it('refuses empty and oversized messages', async () => {
    const { room } = await setup()
    await expect(room.send('   ')).rejects.toThrow(EmptyMessageError)
    await expect(room.send('x'.repeat(MAX_TEXT_BYTES + 1))).rejects.toThrow(MessageTooLargeError)
    await expect(room.send('é'.repeat(MAX_TEXT_BYTES / 2 + 1))).rejects.toThrow(MessageTooLargeError)
    expect(room.messages()).toHaveLength(0)
  })

  it('keeps messages written offline as sending, stored, and sends them when peers appear', async () => {
    const { room, store, goOnline, published } = await setup()
    const first = await room.send('one')
    await room.send('two')
    await room.flush()
    expect(first.status).toBe('sending')
    expect(room.messages().map(m => m.status)).toEqual(['sending', 'sending'])
    expect((await store.messages(room.roomId)).map(m => 'message' in m ? m.message.text : '').sort()).toEqual(['one', 'two'])
    goOnline()
    await room.flush()
    expect(room.messages().map(m => [m.text, m.status])).toEqual([['one', 'sent'], ['two', 'sent']])
    expect(published).toHaveLength(2)
  })

  it('rate-limits one author and counts what it drops', async () => {
    const { room, keys, invite } = await setup()
    const mallory = await generateKeyPair('Ed25519')
    const author = peerIdFromPrivateKey(mallory).toString()
    const frames = await Promise.all(Array.from({ length: RATE_BURST + 10 }, async (_, i) => encodeEnvelope(await sealEnvelope({
      keys, topic: roomTopic(invite.roomId), privateKey: mallory, author, hlc: { wall: Date.now(), counter: i }, payload: { k: 'chat', text: `spam ${i}`, name: 'M' }
    }))))
    for (const frame of frames) await room.receive(frame)
    expect(room.messages()).toHaveLength(RATE_BURST)
    expect(room.dropped['rate-limited']).toBe(10)
  })

  it('ignores duplicates and envelopes of other rooms', async () => {
    const { room, keys, invite } = await setup()
    const other = await generateKeyPair('Ed25519')
    const author = peerIdFromPrivateKey(other).toString()
    const seal = async (topic: string) => encodeEnvelope(await sealEnvelope({ keys, topic, privateKey: other, author, hlc: { wall: Date.now(), counter: 0 }, payload: { k: 'chat', text: 'hi', name: 'O' } }))
    const frame = await seal(roomTopic(invite.roomId))
    await room.receive(frame)
    await room.receive(frame)
    expect(room.messages()).toHaveLength(1)
    await room.receive(await seal(roomTopic(createRoomInvite().roomId)))
    expect(room.dropped['wrong-room']).toBe(1)
    expect(room.members().map(m => m.name)).toEqual(['Ann', 'O'])
  })

  it('drops an envelope of the JSON format (version 1) as malformed, and never shows it', async () => {
    const { room, keys, invite } = await setup()
    const other = await generateKeyPair('Ed25519')
    // what a member on the earlier version publishes: a JSON envelope, signed and sealed with the room key
    const header = { version: 1, topic: roomTopic(invite.roomId), author: peerIdFromPrivateKey(other).toString(), wall: Date.now(), counter: 0 }
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const plaintext = new TextEncoder().encode(JSON.stringify({ k: 'chat', text: 'from the old version', name: 'O' }))
    const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: associatedData(header) as Uint8Array<ArrayBuffer> }, keys.messages, plaintext))
    const signature = await other.sign(signedBytes({ ...header, iv, ciphertext }))
    const json = { v: 1, t: header.topic, a: header.author, h: [header.wall, header.counter], n: toBase64url(iv), c: toBase64url(ciphertext), s: toBase64url(signature) }
    const dropped: string[] = []
    room.addEventListener('message:dropped', (e) => { dropped.push(e.detail.reason) })
    await room.receive(new TextEncoder().encode(JSON.stringify(json)), header.author)
    expect(dropped).toEqual(['malformed'])
    expect(room.dropped.malformed).toBe(1)
    expect(room.messages()).toEqual([])
    expect(room.members().map(m => m.name)).toEqual(['Ann'])
  })
})
