/**
 * The call flag of room presence: joining a call announces it at once and
 * with every presence after; a member's flag follows its presence and is
 * cleared when it goes offline.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { OFFLINE_AFTER_MS } from '../../src/rooms/constants.js'
import { deriveRoomKeys, openEnvelope, sealEnvelope } from '../../src/rooms/crypto.js'
import type { Payload } from '../../src/rooms/payload.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/rooms/envelope.js'
import { HybridClock } from '../../src/rooms/hlc.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import { Room } from '../../src/rooms/room.js'
import { MemoryRoomStore } from '../../src/rooms/store.js'

async function setup () {
  const privateKey = await generateKeyPair('Ed25519')
  const invite = createRoomInvite()
  const keys = await deriveRoomKeys(invite.key)
  const published: Uint8Array[] = []
  const pubsub = { publish: async (_topic: string, data: Uint8Array) => { published.push(data); return { recipients: [] } } }
  const room = new Room({
    pubsub,
    privateKey,
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    clock: new HybridClock(),
    store: new MemoryRoomStore(),
    profile: { name: () => 'Ann', away: () => false },
    onMemberSeen: () => {}
  }, invite, keys, [])
  const other = await generateKeyPair('Ed25519')
  const otherId = peerIdFromPrivateKey(other).toString()
  const clock = new HybridClock()
  const from = async (payload: Payload): Promise<Uint8Array> => encodeEnvelope(await sealEnvelope({ keys, topic: roomTopic(invite.roomId), privateKey: other, author: otherId, hlc: clock.now(), payload }))
  const lastPayload = async (): Promise<Payload> => openEnvelope(keys, decodeEnvelope(published.at(-1)!))
  return { room, from, otherId, published, lastPayload }
}

describe('the call flag of room presence', () => {
  it('is announced at once when we join or leave a call, and on every presence while in it', async () => {
    const { room, published, lastPayload } = await setup()
    expect(room.members()[0]?.inCall).toBe(false)
    let changes = 0
    room.addEventListener('members:changed', () => changes++)
    room.setInCall(true)
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(changes).toBe(1)
    expect(room.members()[0]?.inCall).toBe(true)
    expect(await lastPayload()).toEqual({ k: 'presence', name: 'Ann', state: 'online', call: true })
    await room.announce()
    expect(await lastPayload()).toEqual({ k: 'presence', name: 'Ann', state: 'online', call: true })
    const count = published.length
    room.setInCall(true)
    expect(published.length).toBe(count)
    await room.announce('offline')
    expect(await lastPayload()).toEqual({ k: 'presence', name: 'Ann', state: 'offline' })
    room.setInCall(false)
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(await lastPayload()).toEqual({ k: 'presence', name: 'Ann', state: 'online' })
  })

  it('follows a member\'s presence, survives its chat messages, and clears when it goes offline', async () => {
    const { room, from, otherId } = await setup()
    const other = (): { inCall: boolean, state: string } | undefined => room.members().find(m => m.peerId === otherId)
    await room.receive(await from({ k: 'presence', name: 'Bob', state: 'online', call: true }))
    expect(other()).toMatchObject({ inCall: true, state: 'online' })
    await room.receive(await from({ k: 'chat', text: 'hi', name: 'Bob' }))
    expect(other()?.inCall).toBe(true)
    await room.receive(await from({ k: 'presence', name: 'Bob', state: 'online' }))
    expect(other()?.inCall).toBe(false)
    await room.receive(await from({ k: 'presence', name: 'Bob', state: 'away', call: true }))
    expect(other()).toMatchObject({ inCall: true, state: 'away' })
    room.expireMembers(Date.now() + OFFLINE_AFTER_MS + 1)
    expect(other()).toMatchObject({ inCall: false, state: 'offline' })
    await room.receive(await from({ k: 'presence', name: 'Bob', state: 'offline', call: true } as Payload))
    expect(other()?.inCall).toBe(false)
  })

  it('ignores a presence older than one already applied (gossip may deliver it late)', async () => {
    const { room, from, otherId } = await setup()
    const before = await from({ k: 'presence', name: 'Bob', state: 'online' })
    const after = await from({ k: 'presence', name: 'Bob', state: 'online', call: true })
    await room.receive(after)
    await room.receive(before)
    expect(room.members().find(m => m.peerId === otherId)?.inCall).toBe(true)
  })

  it('drops a presence whose state is none of online, away, offline', async () => {
    const { room, from } = await setup()
    // the state is left out on the wire (protobuf's unspecified value); the call flag is a protobuf bool, never anything else
    await room.receive(await from({ k: 'presence', name: 'Bob', state: 'in a call', call: true } as unknown as Payload))
    expect(room.dropped.malformed).toBe(1)
  })
})
