/**
 * Upgrading from the JSON format (room-sync 1.0.0): joined rooms and their
 * keys stay; stored messages are converted to version 1 envelopes when their
 * signature still verifies, dropped otherwise; nothing stored breaks loading.
 * The stored data is written as the previous version wrote it, into a fake
 * IndexedDB, then read by this version's IdbRoomStore and Rooms.
 */
import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { createStore, keys as storedKeys, set, setMany } from 'idb-keyval'
import { describe, expect, it } from 'vitest'
import { deriveRoomKeys, openEnvelope, type RoomKeys } from '../../src/rooms/crypto.js'
import { toBase64url, toHex, utf8 } from '../../src/rooms/encoding.js'
import { decodeEnvelope, encodeEnvelope, envelopeId, type Envelope } from '../../src/rooms/envelope.js'
import { IdbRoomStore } from '../../src/rooms/idb-store.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import type { StoredMessage } from '../../src/rooms/store.js'
import type { PrivateKey } from '@libp2p/interface'
import { startRooms } from '../support/rooms.js'

/** A chat message as the JSON format sealed and stored it (its constructions written out as that version had them). */
async function jsonFormatRecord (roomId: string, keys: RoomKeys, member: PrivateKey, text: string, wall: number, own: boolean) {
  const t = roomTopic(roomId)
  const a = peerIdFromPrivateKey(member).toString()
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8.encode(`${t}\n${a}\n${wall}.0`) },
    keys.messages,
    utf8.encode(JSON.stringify({ k: 'chat', text, name: 'Ann' }))
  ))
  const unsigned = { v: 1, t, a, h: [wall, 0], n: toBase64url(iv), c: toBase64url(ciphertext) }
  const s = toBase64url(await member.sign(utf8.encode(`peerlink-room-message/v1\n${t}\n${a}\n${wall}.0\n${unsigned.n}\n${unsigned.c}`)))
  const envelope = { ...unsigned, s }
  const id = toHex(sha256(utf8.encode(JSON.stringify(envelope))))
  return { id, envelope, message: { id, roomId, author: a, authorName: 'Ann', text, hlc: { wall, counter: 0 }, status: own ? 'seen' : 'received', own } }
}


describe('upgrading stored rooms from the JSON format', () => {
  it('keeps joined rooms and keys, converts messages that verify, and drops the rest', async () => {
    const me = await generateKeyPair('Ed25519')
    const ann = await generateKeyPair('Ed25519')
    const invite = createRoomInvite()
    const keys = await deriveRoomKeys(invite.key)
    const mine = await jsonFormatRecord(invite.roomId, keys, me, 'written before the upgrade', 1_700_000_000_000, true)
    const hers = await jsonFormatRecord(invite.roomId, keys, ann, 'her answer', 1_700_000_001_000, false)
    // tried: a record whose ciphertext no longer matches its signature, and records of no known shape
    const tampered = await jsonFormatRecord(invite.roomId, keys, ann, 'tampered', 1_700_000_002_000, false)
    tampered.envelope.c = (tampered.envelope.c.startsWith('A') ? 'B' : 'A') + tampered.envelope.c.slice(1)
    const garbage = [{ id: 'g1', envelope: 5, message: null }, { id: 'g2' }, { id: 'g3', envelope: { v: 1, t: 1, a: [], h: 'x' }, message: hers.message }]

    // what the previous version left in IndexedDB
    const rooms = createStore('peerlink-rooms', 'kv')
    await set('rooms', [{ roomId: invite.roomId, key: invite.key, joinedAt: 1 }], rooms)
    await set('setting:displayName', 'Me', rooms)
    const messages = createStore(`peerlink-room-${invite.roomId}`, 'messages')
    await setMany([mine, hers, tampered, ...garbage].map(r => [r.id, r]), messages)

    const store = new IdbRoomStore()
    const node = await startRooms(store, me)
    expect(node.list()).toEqual([{ roomId: invite.roomId, joinedAt: 1, name: '' }])
    expect(node.displayName).toBe('Me')
    const room = node.get(invite.roomId)
    expect(room?.invite.key).toEqual(invite.key)
    expect(room?.keyState).toBe('confirmed') // a message of another member decrypted with this key before

    const loaded = room?.messages() ?? []
    expect(loaded.map(m => [m.text, m.status, m.own])).toEqual([['written before the upgrade', 'seen', true], ['her answer', 'received', false]])
    // converted history is chat messages with their envelopes
    const stored = await store.messages(invite.roomId) as Array<StoredMessage & { envelope: Envelope }>
    expect(stored.map(m => m.id).sort()).toEqual(loaded.map(m => m.id).sort())
    expect((await storedKeys(messages)).sort()).toEqual(loaded.map(m => m.id).sort())
    for (const m of stored) {
      // a version 1 envelope: the same bytes and signature, its id the hash of its protobuf encoding
      expect(m.envelope.version).toBe(1)
      expect(m.id).toBe(envelopeId(m.envelope))
      expect(m.id).not.toBe(mine.id)
      expect(m.message.id).toBe(m.id)
      // any member (or a new one, by sync) verifies and reads it
      const payload = await openEnvelope(keys, decodeEnvelope(encodeEnvelope(m.envelope)))
      expect(payload).toMatchObject({ k: 'chat', text: m.message.text })
    }
    await node.stop()

    // loaded again: nothing left to convert, the same history
    const again = await startRooms(new IdbRoomStore(), me)
    expect(again.get(invite.roomId)?.messages()).toEqual(loaded)
    await again.stop()
  })
})
