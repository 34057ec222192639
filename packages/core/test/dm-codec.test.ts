import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../src/dm/codec.js'
import { MAX_DM_FRAME_BYTES, MAX_DM_TEXT_BYTES } from '../src/dm/constants.js'
import { DmMalformedError, DmTooLargeError } from '../src/dm/errors.js'
import { sealMessage } from '../src/dm/seal.js'

const alice = await generateKeyPair('Ed25519')
const bob = await generateKeyPair('Ed25519')
const { id, sealed } = await sealMessage({ privateKey: alice, to: peerIdFromPrivateKey(bob).toString(), sentAt: 42, text: 'hi' })
const good = JSON.parse(new TextDecoder().decode(encodeFrame({ type: 'message', message: sealed }))) as Record<string, unknown>
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const setUnusedBit = (text: string): string => text.slice(0, -1) + BASE64URL[BASE64URL.indexOf(text.at(-1) ?? 'A') ^ 1]
const json = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))

describe('DM frame codec', () => {
  it('round-trips a sealed message and an ack', () => {
    expect(decodeFrame(encodeFrame({ type: 'message', message: sealed }))).toEqual({ type: 'message', message: sealed })
    expect(decodeFrame(encodeFrame({ type: 'ack', id }))).toEqual({ type: 'ack', id })
  })

  it('fits a message of the largest text in one frame', async () => {
    const big = await sealMessage({ privateKey: alice, to: peerIdFromPrivateKey(bob).toString(), sentAt: Date.now(), text: 'x'.repeat(MAX_DM_TEXT_BYTES) })
    const bytes = encodeFrame({ type: 'message', message: big.sealed })
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_DM_FRAME_BYTES)
    expect(decodeFrame(bytes)).toEqual({ type: 'message', message: big.sealed })
  })

  it('rejects input over MAX_DM_FRAME_BYTES before parsing it (DmTooLargeError)', () => {
    expect(() => decodeFrame(new Uint8Array(MAX_DM_FRAME_BYTES + 1))).toThrow(DmTooLargeError)
    const huge = { ...sealed, ct: new Uint8Array(MAX_DM_FRAME_BYTES) }
    expect(() => encodeFrame({ type: 'message', message: huge })).toThrow(DmTooLargeError)
  })

  const malformed: Array<[string, Uint8Array]> = [
    ['empty input', new Uint8Array(0)],
    ['bytes that are not UTF-8', new Uint8Array([0xff, 0xfe, 0xfd])],
    ['text that is not JSON', json('hello')],
    ['a truncated frame (first half of a valid one)', encodeFrame({ type: 'message', message: sealed }).subarray(0, 100)],
    ['JSON null', json('null')],
    ['a JSON array', json([good])],
    ['a JSON number', json('42')],
    ['an unknown frame type', json({ ...good, type: 'hello' })],
    ['no frame type', json({ id })],
    ['a message with an extra key', json({ ...good, text: 'plain' })],
    ['a message missing its signature', json({ ...good, sig: undefined })],
    ['a message whose from is a number', json({ ...good, from: 5 })],
    ['a message whose to is not a PeerId string', json({ ...good, to: '../../etc' })],
    ['a message whose from is too long', json({ ...good, from: 'a'.repeat(200) })],
    ['a message with a negative sentAt', json({ ...good, sentAt: -1 })],
    ['a message with a fractional sentAt', json({ ...good, sentAt: 1.5 })],
    ['a message with sentAt as a string', json({ ...good, sentAt: '42' })],
    ['a message with padded base64', json({ ...good, iv: `${String(good.iv)}==` })],
    ['a message with standard (not url) base64 characters', json({ ...good, epk: `+/${String(good.epk).slice(2)}` })],
    // 32 bytes take 43 characters: the last one carries 2 unused bits, set one of them
    ['a message with non-canonical base64 (unused trailing bits set)', json({ ...good, epk: setUnusedBit(String(good.epk)) })],
    ['a message with a 31-byte ephemeral key', json({ ...good, epk: 'A'.repeat(42) })],
    ['a message with an empty ciphertext', json({ ...good, ct: '' })],
    ['a message with an oversized ciphertext', json({ ...good, ct: 'A'.repeat(Math.ceil((MAX_DM_TEXT_BYTES + 17) * 4 / 3)) })],
    ['an ack with an uppercase id', json({ type: 'ack', id: id.toUpperCase() })],
    ['an ack with a short id', json({ type: 'ack', id: id.slice(2) })],
    ['an ack with an extra key', json({ type: 'ack', id, ok: true })]
  ]
  for (const [what, bytes] of malformed) {
    it(`rejects ${what} (DmMalformedError)`, () => {
      expect(() => decodeFrame(bytes)).toThrow(DmMalformedError)
    })
  }
})
