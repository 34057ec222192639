import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { startRooms } from '../support/rooms.js'
import { describe, expect, it } from 'vitest'
import { deriveRoomKeys, sealEnvelope, type RoomKeys } from '../../src/rooms/crypto.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/rooms/envelope.js'
import { HybridClock } from '../../src/rooms/hlc.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import { Room, type RoomOptions } from '../../src/rooms/room.js'
import { MemoryRoomStore } from '../../src/rooms/store.js'
import type { RoomInvite } from '../../src/rooms/types.js'
import type { PrivateKey } from '@libp2p/interface'

/** A room on this device, joined with `invite`, whose publishes always reach a peer (a relay carrying the topic). */
async function joined (invite: RoomInvite, options: RoomOptions = {}) {
  const privateKey = await generateKeyPair('Ed25519')
  const published: Uint8Array[] = []
  const room = new Room({
    pubsub: { publish: async (_topic: string, data: Uint8Array) => { published.push(data); return { recipients: [peerIdFromPrivateKey(privateKey)] } } },
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    clock: new HybridClock(),
    store: new MemoryRoomStore(),
    profile: { name: () => 'Bob', away: () => false },
    onMemberSeen: () => {}
  }, invite, await deriveRoomKeys(invite.key), [], options)
  const events: string[] = []
  room.addEventListener('room:key-mismatch', (e) => { events.push(`mismatch:${e.detail.reason}`) })
  room.addEventListener('room:key-confirmed', () => { events.push('confirmed') })
  return { room, published, events }
}

/** Another member's presence, sealed with `keys` and signed by that member. */
async function presenceFrom (member: PrivateKey, keys: RoomKeys, roomId: string, counter = 0): Promise<Uint8Array> {
  return encodeEnvelope(await sealEnvelope({
    keys, topic: roomTopic(roomId), privateKey: member, author: peerIdFromPrivateKey(member).toString(), hlc: { wall: Date.now(), counter }, payload: { k: 'presence', name: 'Ann', state: 'online' }
  }))
}

function wrongKey (invite: RoomInvite): RoomInvite {
  const key = invite.key.slice()
  key[0] = key[0]! ^ 0xff
  return { roomId: invite.roomId, key }
}

describe('a room joined by a link with the wrong key', () => {
  it('says so when a member\'s signed message does not decrypt, and stops calling its own messages sent', async () => {
    const invite = createRoomInvite()
    const ann = await generateKeyPair('Ed25519')
    const { room, published, events } = await joined(wrongKey(invite))
    expect(room.keyState).toBe('unconfirmed')
    const early = await room.send('hello?')
    await room.flush()
    expect(room.messages()[0]?.status).toBe('sent') // published to a relay before anything said the key was wrong

    await room.receive(await presenceFrom(ann, await deriveRoomKeys(invite.key), invite.roomId))
    expect(room.keyState).toBe('mismatch')
    expect(events).toEqual(['mismatch:undecryptable'])
    expect(room.dropped.undecryptable).toBe(1)
    expect(room.messages().find(m => m.id === early.id)?.status).toBe('unreadable')

    // what is written now is kept, not published, and not sent
    const count = published.length
    const later = await room.send('anyone?')
    await room.flush()
    expect(later.status).toBe('unreadable')
    expect(room.messages().map(m => m.status)).toEqual(['unreadable', 'unreadable'])
    expect(published).toHaveLength(count)

    // more of the same says nothing new
    await room.receive(await presenceFrom(ann, await deriveRoomKeys(invite.key), invite.roomId, 1))
    expect(events).toEqual(['mismatch:undecryptable'])
  })

  it('never blames its key for a forged or its own envelope', async () => {
    const invite = createRoomInvite()
    const { room } = await joined(invite)
    const ann = await generateKeyPair('Ed25519')
    const frame = decodeEnvelope(await presenceFrom(ann, await deriveRoomKeys(wrongKey(invite).key), invite.roomId))
    frame.signature[0] = frame.signature[0]! ^ 0xff
    await room.receive(encodeEnvelope(frame))
    expect(room.dropped['bad-signature']).toBe(1)
    expect(room.keyState).toBe('unconfirmed')
  })

  it('turns confirmed when a member\'s message decrypts, and then sends what it held', async () => {
    const invite = createRoomInvite()
    const keys = await deriveRoomKeys(invite.key)
    const { room, published, events } = await joined(invite)
    // a member with another key speaks first (it is its link that is wrong, not ours)
    await room.receive(await presenceFrom(await generateKeyPair('Ed25519'), await deriveRoomKeys(wrongKey(invite).key), invite.roomId))
    expect(room.keyState).toBe('mismatch')
    await room.send('held')
    expect(published).toHaveLength(0)

    await room.receive(await presenceFrom(await generateKeyPair('Ed25519'), keys, invite.roomId))
    expect(room.keyState).toBe('confirmed')
    expect(events).toEqual(['mismatch:undecryptable', 'confirmed'])
    await room.flush()
    expect(room.messages().map(m => m.status)).toEqual(['sent'])
    expect(published).toHaveLength(1)

    // once confirmed, another member's unreadable message is that member's problem
    await room.receive(await presenceFrom(await generateKeyPair('Ed25519'), await deriveRoomKeys(wrongKey(invite).key), invite.roomId))
    expect(room.keyState).toBe('confirmed')
    await room.keyMismatch('sync-refused', 'someone')
    expect(room.keyState).toBe('confirmed')
  })

  it('is confirmed from the start when this device created the room', async () => {
    const invite = createRoomInvite()
    const { room, events } = await joined(invite, { created: true })
    await room.receive(await presenceFrom(await generateKeyPair('Ed25519'), await deriveRoomKeys(wrongKey(invite).key), invite.roomId))
    expect(room.keyState).toBe('confirmed')
    expect(room.dropped.undecryptable).toBe(1)
    expect(events).toEqual([])
  })

  it('turns to mismatch when a member refuses its membership proof', async () => {
    const { room, events } = await joined(createRoomInvite())
    await room.keyMismatch('sync-refused', '12D3KooWAnn')
    expect(room.keyState).toBe('mismatch')
    expect(events).toEqual(['mismatch:sync-refused'])
  })
})

/** A `Rooms` with no network (test/support/rooms.ts) and its store. */
async function rooms (store = new MemoryRoomStore()) {
  return { rooms: await startRooms(store, await generateKeyPair('Ed25519')), store }
}

describe('joining a room again', () => {
  it('replaces a key that cannot read the room with the link\'s, and keeps a confirmed one', async () => {
    const { rooms: r, store } = await rooms()
    const invite = createRoomInvite()
    const wrong = await r.join(wrongKey(invite))
    await wrong.receive(await presenceFrom(await generateKeyPair('Ed25519'), await deriveRoomKeys(invite.key), invite.roomId))
    expect(wrong.keyState).toBe('mismatch')
    await wrong.send('lost')
    expect(await r.join(wrongKey(invite))).toBe(wrong) // the same link again: the same room

    const right = await r.join(invite)
    expect(right).not.toBe(wrong)
    expect(right.keyState).toBe('unconfirmed')
    expect(right.messages()).toEqual([]) // nobody could read what was written with the wrong key
    expect((await store.rooms()).map(j => j.key)).toEqual([invite.key])

    await right.receive(await presenceFrom(await generateKeyPair('Ed25519'), await deriveRoomKeys(invite.key), invite.roomId))
    expect(right.keyState).toBe('confirmed')
    expect(await r.join(wrongKey(invite))).toBe(right)
    await r.stop()
  })

  it('remembers that this device created a room', async () => {
    const store = new MemoryRoomStore()
    const first = await rooms(store)
    const created = await first.rooms.create()
    expect(created.keyState).toBe('confirmed')
    await first.rooms.stop()
    const again = await rooms(store)
    expect(again.rooms.get(created.roomId)?.keyState).toBe('confirmed')
    await again.rooms.stop()
  })
})
