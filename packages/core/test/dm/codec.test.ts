import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame } from '../../src/dm/codec.js'
import { MAX_DM_FRAME_BYTES, MAX_DM_TEXT_BYTES } from '../../src/dm/constants.js'
import { DmMalformedError, DmTooLargeError } from '../../src/dm/errors.js'
import { sealMessage } from '../../src/dm/seal.js'
import { fixed64, pbEncode } from '../fuzz/support.js'
import { VECTOR_ID, vectorSealed } from '../support/dm-vector.js'

const alice = await generateKeyPair('Ed25519')
const bob = await generateKeyPair('Ed25519')
const { id, sealed } = await sealMessage({ privateKey: alice, to: peerIdFromPrivateKey(bob).toString(), sentAt: 42, text: 'hi' })

/** Protobuf written field by field (test/fuzz/support.ts), independently of the generated codec. */
const bytesField = (no: number, value: Uint8Array): number[] => [...pbEncode([{ no, wire: 2, value }])]
const varintField = (no: number, value: number | bigint): number[] => [...pbEncode([{ no, wire: 0, value: BigInt(value) }])]
const fixed64Field = (no: number, value: number | bigint): number[] => [...pbEncode([{ no, wire: 1, value: fixed64(BigInt(value)) }])]
const pb = (...fields: number[][]): Uint8Array => new Uint8Array(fields.flat())
const peerIdBytes = (peerId: string): Uint8Array => peerIdFromString(peerId).toMultihash().bytes

type SealedField = 'from' | 'to' | 'sentAt' | 'epk' | 'iv' | 'ct' | 'sig'

/** The SealedMessage fields of `sealed`, in field order, with some replaced (number[]) or left out (null). */
function sealedFields (changes: Partial<Record<SealedField, number[] | null>> = {}): number[] {
  const fields: Record<SealedField, number[]> = {
    from: bytesField(1, peerIdBytes(sealed.from)),
    to: bytesField(2, peerIdBytes(sealed.to)),
    sentAt: fixed64Field(3, sealed.sentAt),
    epk: bytesField(4, sealed.epk),
    iv: bytesField(5, sealed.iv),
    ct: bytesField(6, sealed.ct),
    sig: bytesField(7, sealed.sig)
  }
  return (Object.keys(fields) as SealedField[]).flatMap(name => {
    const change = changes[name]
    return change === null ? [] : change ?? fields[name]
  })
}
const messageFrame = (changes: Partial<Record<SealedField, number[] | null>> = {}): Uint8Array => pb(bytesField(1, pb(sealedFields(changes))))
const ackFrame = (idBytes: Uint8Array): Uint8Array => pb(bytesField(2, pb(bytesField(1, idBytes))))
const hexBytes = (hex: string): Uint8Array => new Uint8Array(hex.match(/../g)?.map(b => parseInt(b, 16)) ?? [])

describe('DM frame codec', () => {
  it('round-trips a sealed message and an ack', () => {
    expect(decodeFrame(encodeFrame({ type: 'message', message: sealed }))).toEqual({ type: 'message', message: sealed })
    expect(decodeFrame(encodeFrame({ type: 'ack', id }))).toEqual({ type: 'ack', id })
  })

  it('encodes exactly the protobuf of pb/dm.proto (the test vector, written by hand)', () => {
    const expected = pb(bytesField(1, pb(
      bytesField(1, peerIdBytes(vectorSealed.from)),
      bytesField(2, peerIdBytes(vectorSealed.to)),
      fixed64Field(3, vectorSealed.sentAt),
      bytesField(4, vectorSealed.epk),
      bytesField(5, vectorSealed.iv),
      bytesField(6, vectorSealed.ct),
      bytesField(7, vectorSealed.sig)
    )))
    expect(encodeFrame({ type: 'message', message: vectorSealed })).toEqual(expected)
    expect(decodeFrame(expected)).toEqual({ type: 'message', message: vectorSealed })
    expect(encodeFrame({ type: 'ack', id: VECTOR_ID })).toEqual(ackFrame(hexBytes(VECTOR_ID)))
    // PeerIds travel as multihash bytes: an Ed25519 one is 38 bytes (identity multihash of the protobuf key)
    expect(peerIdBytes(vectorSealed.from)).toHaveLength(38)
  })

  it('encodes sentAt as a fixed64, every value up to 2^53 - 1', () => {
    for (const sentAt of [0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1_700_000_000_000, Number.MAX_SAFE_INTEGER]) {
      const bytes = encodeFrame({ type: 'message', message: { ...sealed, sentAt } })
      expect(decodeFrame(bytes)).toEqual({ type: 'message', message: { ...sealed, sentAt } })
      if (sentAt > 0) expect(bytes).toEqual(messageFrame({ sentAt: fixed64Field(3, sentAt) }))
    }
  })

  it('accepts fields in any order, sentAt 0 left out (the proto3 default) and unknown fields (skipped)', () => {
    const fields = sealedFields({ sentAt: null })
    const reordered = pb(bytesField(1, pb([...bytesField(7, sealed.sig), ...fields.slice(0, fields.length - bytesField(7, sealed.sig).length)])), varintField(15, 1))
    expect(decodeFrame(reordered)).toEqual({ type: 'message', message: { ...sealed, sentAt: 0 } })
    expect(decodeFrame(messageFrame({ sig: [...bytesField(7, sealed.sig), ...bytesField(99, new Uint8Array([1, 2]))] }))).toEqual({ type: 'message', message: sealed })
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

  it('refuses to encode what it could not decode (DmMalformedError)', () => {
    expect(() => encodeFrame({ type: 'message', message: { ...sealed, to: 'not-a-peer-id' } })).toThrow(DmMalformedError)
    expect(() => encodeFrame({ type: 'message', message: { ...sealed, sentAt: 1.5 } })).toThrow(DmMalformedError)
    expect(() => encodeFrame({ type: 'message', message: { ...sealed, sentAt: -1 } })).toThrow(DmMalformedError)
    expect(() => encodeFrame({ type: 'ack', id: id.toUpperCase() })).toThrow(DmMalformedError)
  })

  const other = peerIdBytes(peerIdFromPrivateKey(bob).toString())
  const malformed: Array<[string, Uint8Array]> = [
    ['empty input (neither message nor ack)', new Uint8Array(0)],
    ['bytes that are not protobuf', new Uint8Array([0xff, 0xfe, 0xfd])],
    ['a dm/1.0.0 JSON frame', new TextEncoder().encode('{"type":"ack","id":"' + id + '"}')],
    ['a truncated frame (first half of a valid one)', encodeFrame({ type: 'message', message: sealed }).subarray(0, 100)],
    ['a length running past the end', pb(bytesField(1, pb(sealedFields())).slice(0, 3))],
    ['a varint longer than 10 bytes', pb(bytesField(1, pb([0x08, ...new Array<number>(11).fill(0xff), 0x01])))],
    ['a frame with both a message and an ack', pb(bytesField(1, pb(sealedFields())), bytesField(2, pb(bytesField(1, new Uint8Array(32)))))],
    ['a frame with only unknown fields', pb(varintField(3, 1), bytesField(4, new Uint8Array(5)))],
    ['a message missing its signature', messageFrame({ sig: null })],
    ['a message missing its sender', messageFrame({ from: null })],
    ['a message whose from is not a PeerId', messageFrame({ from: bytesField(1, new Uint8Array([1, 2, 3])) })],
    ['a message whose to is a PeerId with a byte appended', messageFrame({ to: bytesField(2, new Uint8Array([...other, 0])) })],
    ['a message whose to has its last byte cut', messageFrame({ to: bytesField(2, other.subarray(0, -1)) })],
    ['a message whose from is too long', messageFrame({ from: bytesField(1, new Uint8Array(65)) })],
    ['a message with a sentAt past 2^53 - 1', messageFrame({ sentAt: fixed64Field(3, 2n ** 53n) })],
    ['a message with a sentAt of 2^63', messageFrame({ sentAt: fixed64Field(3, 2n ** 63n) })],
    ['a message with the largest fixed64 as sentAt', messageFrame({ sentAt: fixed64Field(3, 2n ** 64n - 1n) })],
    ['a message with a sentAt cut short', pb(bytesField(1, pb(sealedFields({ epk: null, iv: null, ct: null, sig: null }).slice(0, -3))))],
    ['a message with a 31-byte ephemeral key', messageFrame({ epk: bytesField(4, new Uint8Array(31)) })],
    ['a message with a 33-byte ephemeral key', messageFrame({ epk: bytesField(4, new Uint8Array(33)) })],
    ['a message with an 11-byte nonce', messageFrame({ iv: bytesField(5, new Uint8Array(11)) })],
    ['a message with an empty ciphertext', messageFrame({ ct: null })],
    ['a message with a ciphertext of just a tag', messageFrame({ ct: bytesField(6, new Uint8Array(16)) })],
    ['a message with an oversized ciphertext', messageFrame({ ct: bytesField(6, new Uint8Array(MAX_DM_TEXT_BYTES + 17)) })],
    ['a message with a 63-byte signature', messageFrame({ sig: bytesField(7, new Uint8Array(63)) })],
    ['an empty message', pb(bytesField(1, new Uint8Array(0)))],
    ['an ack with a 31-byte id', ackFrame(new Uint8Array(31))],
    ['an ack with a 33-byte id', ackFrame(new Uint8Array(33))],
    ['an empty ack', pb(bytesField(2, new Uint8Array(0)))]
  ]
  for (const [what, bytes] of malformed) {
    it(`rejects ${what} (DmMalformedError)`, () => {
      expect(() => decodeFrame(bytes)).toThrow(DmMalformedError)
    })
  }
})
