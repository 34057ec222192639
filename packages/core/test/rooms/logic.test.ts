import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { deriveRoomKeys, membershipProof, openEnvelope, sealEnvelope, verifyMembershipProof } from '../../src/rooms/crypto.js'
import { decodeEnvelope, encodeEnvelope, envelopeId, type Envelope } from '../../src/rooms/envelope.js'
import { BadSignatureError, InvalidRoomLinkError, MalformedFrameError, OversizedFrameError, UndecryptableError } from '../../src/rooms/errors.js'
import { compareMessages, HybridClock } from '../../src/rooms/hlc.js'
import { createRoomInvite, parseRoomLink, roomLink, roomTopic } from '../../src/rooms/invite.js'
import { RoomEnvelope } from '../../src/rooms/pb/envelope.js'
import { RateLimiter } from '../../src/rooms/rate-limiter.js'
import { utf8 } from '../../src/rooms/encoding.js'

describe('hybrid logical clock', () => {
  it('never goes backwards and breaks ties with its counter', () => {
    let wall = 1000
    const clock = new HybridClock(() => wall)
    expect(clock.now()).toEqual({ wall: 1000, counter: 0 })
    expect(clock.now()).toEqual({ wall: 1000, counter: 1 })
    wall = 900 // the wall clock stepped back
    expect(clock.now()).toEqual({ wall: 1000, counter: 2 })
    wall = 1001
    expect(clock.now()).toEqual({ wall: 1001, counter: 0 })
  })

  it('moves past timestamps seen from other members', () => {
    const clock = new HybridClock(() => 1000)
    clock.observe({ wall: 5000, counter: 7 })
    expect(clock.now()).toEqual({ wall: 5000, counter: 8 })
    clock.observe({ wall: 10, counter: 0 })
    expect(clock.now()).toEqual({ wall: 5000, counter: 9 })
  })

  it('orders messages by clock, then id, the same whatever order they arrived in', () => {
    const messages = [
      { hlc: { wall: 2, counter: 0 }, id: 'b' },
      { hlc: { wall: 1, counter: 1 }, id: 'a' },
      { hlc: { wall: 2, counter: 0 }, id: 'a' },
      { hlc: { wall: 1, counter: 0 }, id: 'z' }
    ]
    const expected = ['z', 'a', 'a', 'b']
    expect([...messages].sort(compareMessages).map(m => m.id)).toEqual(expected)
    expect([...messages].reverse().sort(compareMessages).map(m => m.id)).toEqual(expected)
  })
})

describe('room links', () => {
  it('round-trips an invite through its link', () => {
    const invite = createRoomInvite()
    expect(invite.key).toHaveLength(32)
    const link = roomLink('https://app.example/?relay=x#/old', invite)
    expect(link).toMatch(/^https:\/\/app\.example\/\?relay=x#\/r\/[\w-]{22}\/[\w-]{43}$/)
    const parsed = parseRoomLink(link)
    expect(parsed.roomId).toBe(invite.roomId)
    expect(parsed.key).toEqual(invite.key)
    expect(parseRoomLink(link.slice(link.indexOf('#'))).roomId).toBe(invite.roomId)
  })

  it.each([
    ['https://app.example/', 'expected'],
    ['#/r/onlyid', 'expected'],
    ['#/r/short/AAAA', 'room id is not valid'],
    [`#/r/${'A'.repeat(22)}/${'A'.repeat(10)}`, 'not a 256-bit'],
    [`#/r/${'A'.repeat(22)}/${'*'.repeat(43)}`, 'not a 256-bit']
  ])('rejects %s', (link, message) => {
    expect(() => parseRoomLink(link)).toThrow(InvalidRoomLinkError)
    expect(() => parseRoomLink(link)).toThrow(message)
  })

  it('names the topic by a hash that reveals neither id nor key', () => {
    const invite = createRoomInvite()
    const topic = roomTopic(invite.roomId)
    expect(topic).toMatch(/^\/peerlink\/topic\/room\/[0-9a-f]{64}$/)
    expect(topic).not.toContain(invite.roomId)
    expect(roomTopic(invite.roomId)).toBe(topic)
  })
})

describe('room message envelopes', () => {
  async function setup () {
    const privateKey = await generateKeyPair('Ed25519')
    const author = peerIdFromPrivateKey(privateKey).toString()
    const invite = createRoomInvite()
    const keys = await deriveRoomKeys(invite.key)
    const topic = roomTopic(invite.roomId)
    const envelope = await sealEnvelope({ keys, topic, privateKey, author, hlc: { wall: 1, counter: 0 }, payload: { k: 'chat', text: 'canary-1234', name: 'Ann' } })
    return { privateKey, author, keys, topic, envelope }
  }

  it('encrypts, signs, and opens again', async () => {
    const { keys, envelope } = await setup()
    expect(new TextDecoder().decode(encodeEnvelope(envelope))).not.toContain('canary-1234')
    expect(envelope.version).toBe(2)
    expect(await openEnvelope(keys, decodeEnvelope(encodeEnvelope(envelope)))).toEqual({ k: 'chat', text: 'canary-1234', name: 'Ann' })
  })

  it('gives two identical texts different ids', async () => {
    const { keys, topic, privateKey, author } = await setup()
    const seal = async () => sealEnvelope({ keys, topic, privateKey, author, hlc: { wall: 5, counter: 0 }, payload: { k: 'chat', text: 'same', name: '' } })
    expect(envelopeId(await seal())).not.toBe(envelopeId(await seal()))
  })

  it('rejects a tampered ciphertext, clock, version or author, and a wrong key', async () => {
    const { keys, envelope, topic } = await setup()
    const flip = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => Uint8Array.from(bytes, (b, i) => i === 0 ? b ^ 1 : b)
    // tried: changed ciphertext, changed clock, another version, signature of another author
    await expect(openEnvelope(keys, { ...envelope, ciphertext: flip(envelope.ciphertext) })).rejects.toThrow(BadSignatureError)
    await expect(openEnvelope(keys, { ...envelope, wall: 2 })).rejects.toThrow(BadSignatureError)
    await expect(openEnvelope(keys, { ...envelope, version: 1 })).rejects.toThrow(BadSignatureError)
    // tried: a signature too short to be one
    await expect(openEnvelope(keys, { ...envelope, signature: new Uint8Array(3) })).rejects.toThrow(BadSignatureError)
    const mallory = await generateKeyPair('Ed25519')
    const forged = await sealEnvelope({ keys, topic, privateKey: mallory, author: peerIdFromPrivateKey(mallory).toString(), hlc: { wall: 1, counter: 0 }, payload: { k: 'chat', text: 'x', name: '' } })
    await expect(openEnvelope(keys, { ...forged, author: envelope.author })).rejects.toThrow(BadSignatureError)
    // tried: a correctly signed message under another room key
    await expect(openEnvelope(await deriveRoomKeys(createRoomInvite().key), envelope)).rejects.toThrow(UndecryptableError)
  })

  it('gives an envelope one encoding, hence one id, however its fields arrived', async () => {
    const { envelope } = await setup()
    const encoded = encodeEnvelope(envelope)
    // the same fields with the signature (field 8) first: decoded, it is the same envelope
    const signatureAt = encoded.byteLength - 2 - envelope.signature.byteLength
    const reordered = new Uint8Array([...encoded.subarray(signatureAt), ...encoded.subarray(0, signatureAt)])
    expect(reordered).not.toEqual(encoded)
    expect(envelopeId(decodeEnvelope(reordered))).toBe(envelopeId(envelope))
    expect(encodeEnvelope(decodeEnvelope(reordered))).toEqual(encoded)
  })

  it('rejects malformed and oversized frames', () => {
    const good: Envelope = { version: 2, topic: 't', author: '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4', wall: 1, counter: 0, iv: new Uint8Array(12), ciphertext: new Uint8Array(1), signature: new Uint8Array(64) }
    expect(decodeEnvelope(RoomEnvelope.encode(good))).toEqual(good)
    // tried: not protobuf, the JSON format of version 1, unknown versions, bad author, huge clock, missing bytes
    expect(() => decodeEnvelope(utf8.encode('{nope'))).toThrow(MalformedFrameError)
    const json = { v: 1, t: 't', a: good.author, h: [1, 0], n: 'AAAAAAAAAAAAAAAA', c: 'AA', s: 'AA' }
    expect(() => decodeEnvelope(utf8.encode(JSON.stringify(json)))).toThrow(MalformedFrameError)
    const bad: Array<Partial<Envelope>> = [{ version: 0 }, { version: 3 }, { author: 'x' }, { topic: 'x'.repeat(201) }, { iv: new Uint8Array(0) }, { ciphertext: new Uint8Array(0) }, { signature: new Uint8Array(0) }]
    for (const change of bad) {
      expect(() => decodeEnvelope(RoomEnvelope.encode({ ...good, ...change })), JSON.stringify(Object.keys(change))).toThrow(MalformedFrameError)
    }
    // a wall clock of 2^60 ms (field 4, a varint the encoder refuses to write)
    const huge = new Uint8Array([...RoomEnvelope.encode(good), 0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])
    expect(() => decodeEnvelope(huge)).toThrow(MalformedFrameError)
    expect(() => decodeEnvelope(new Uint8Array(100 * 1024))).toThrow(OversizedFrameError)
  })

  it('proves membership only with the room key', async () => {
    const { keys, topic, author } = await setup()
    const proof = await membershipProof(keys, topic, author)
    expect(await verifyMembershipProof(keys, topic, author, proof)).toBe(true)
    expect(await verifyMembershipProof(keys, topic, '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4', proof)).toBe(false)
    expect(await verifyMembershipProof(await deriveRoomKeys(createRoomInvite().key), topic, author, proof)).toBe(false)
  })
})

describe('rate limiter', () => {
  it('allows a burst, then refills over time', () => {
    let now = 0
    const limiter = new RateLimiter(3, 1, () => now)
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false])
    expect(limiter.take('b')).toBe(true)
    now = 1000
    expect(limiter.take('a')).toBe(true)
    expect(limiter.take('a')).toBe(false)
  })
})
