/**
 * Fuzzing the DM frame codec (decodeFrame), the opening of a sealed message
 * (openMessage) and the call signaling codec (decodeCallFrame): a valid value
 * or one of the module's named errors, never an over-size frame accepted.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeCallFrame, encodeCallFrame, newSessionId, type CallFrame } from '../../src/calls/codec.js'
import { MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_SDP_BYTES } from '../../src/calls/constants.js'
import { CallMalformedError, CallTooLargeError } from '../../src/calls/errors.js'
import { CallFrame as WireFrame, Refuse, Sdp } from '../../src/calls/pb/call.js'
import { decodeFrame, encodeFrame, type DmFrame } from '../../src/dm/codec.js'
import { MAX_DM_FRAME_BYTES, MAX_DM_TEXT_BYTES } from '../../src/dm/constants.js'
import { DmDecryptError, DmMalformedError, DmSenderMismatchError, DmSignatureError, DmTooLargeError, DmWrongRecipientError } from '../../src/dm/errors.js'
import { openMessage, sealMessage, type SealedMessage } from '../../src/dm/seal.js'
import { roomTopic } from '../../src/rooms/invite.js'
import { FUZZ_TIMEOUT_MS, anyBytes, concat, decodes, decodesAsync, editField, fixed64, mutatedBytes, params, pbEncode, protobufFieldEdit, rejectsWith, report, runs, tally, utf8, type PbField } from './support.js'

const alice = await generateKeyPair('Ed25519')
const bob = await generateKeyPair('Ed25519')
const aliceId = peerIdFromPrivateKey(alice).toString()
const bobId = peerIdFromPrivateKey(bob).toString()
const sealed = await Promise.all(['hi', 'x'.repeat(300), 'ünïcødé 😀'].map(async text => (await sealMessage({ privateKey: alice, to: bobId, sentAt: 1_700_000_000_000, text })).sealed))
const dmFrames: DmFrame[] = [...sealed.map(message => ({ type: 'message' as const, message })), { type: 'ack', id: 'ab'.repeat(32) }]
const dmEncoded = dmFrames.map(encodeFrame)

const peerIdBytes = (peerId: string): Uint8Array => peerIdFromString(peerId).toMultihash().bytes

/** The SealedMessage fields of `m`, as the codec writes them. */
function sealedFields (m: SealedMessage): PbField[] {
  return [
    { no: 1, wire: 2, value: peerIdBytes(m.from) },
    { no: 2, wire: 2, value: peerIdBytes(m.to) },
    { no: 3, wire: 1, value: fixed64(BigInt(m.sentAt)) },
    { no: 4, wire: 2, value: m.epk },
    { no: 5, wire: 2, value: m.iv },
    { no: 6, wire: 2, value: m.ct },
    { no: 7, wire: 2, value: m.sig }
  ]
}

const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toMultihash().bytes
const rsaLike = new Uint8Array([0x12, 0x20, ...new Uint8Array(32).fill(7)])

/** Bytes a field may be replaced with: sizes at the edges, other or broken PeerIds, anything. */
const nastyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(new Uint8Array(0), new Uint8Array(11), new Uint8Array(12), new Uint8Array(16), new Uint8Array(17), new Uint8Array(31), new Uint8Array(32), new Uint8Array(33), new Uint8Array(63), new Uint8Array(64), new Uint8Array(65)),
  fc.constantFrom(secp, rsaLike, concat(secp, new Uint8Array([0])), secp.subarray(0, -1), new Uint8Array([0x00, 0x24]), new Uint8Array([0x13, 0x40, ...new Uint8Array(64)])),
  fc.constantFrom(new Uint8Array(MAX_DM_TEXT_BYTES + 16), new Uint8Array(MAX_DM_TEXT_BYTES + 17)),
  fc.uint8Array({ maxLength: 80 })
)
/** Edits of a DM frame's fields (its numbers are 1–7). */
const fieldEdit = protobufFieldEdit(nastyBytes, 8)

/**
 * DmFrames built field by field from the valid ones, then edited: fields
 * dropped, repeated, given other values, sizes, wire types or numbers;
 * unknown fields; both or neither of message and ack.
 */
const editedDmFrame: fc.Arbitrary<Uint8Array> = fc.tuple(
  fc.constantFrom(...sealed),
  fc.array(fieldEdit, { maxLength: 3 }),
  fc.constantFrom('message' as const, 'ack' as const, 'both' as const, 'neither' as const),
  fc.oneof(fc.constant(new Uint8Array(32).fill(0xab)), nastyBytes),
  fc.array(fieldEdit, { maxLength: 2 })
).map(([m, sealedEdits, kind, ackId, frameEdits]) => {
  const message: PbField = { no: 1, wire: 2, value: pbEncode(sealedEdits.reduce(editField, sealedFields(m))) }
  const ack: PbField = { no: 2, wire: 2, value: pbEncode([{ no: 1, wire: 2, value: ackId }]) }
  const frame = kind === 'message' ? [message] : kind === 'ack' ? [ack] : kind === 'both' ? [message, ack] : []
  return pbEncode(frameEdits.reduce(editField, frame))
})

/** Byte inputs of the DM decoder: arbitrary bytes, edited frames, byte-level mutations of valid ones, valid ones. */
const dmFrameInputs: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: anyBytes(), weight: 1 },
  { arbitrary: editedDmFrame, weight: 4 },
  { arbitrary: mutatedBytes(dmEncoded), weight: 3 },
  { arbitrary: fc.constantFrom(...dmEncoded), weight: 1 }
)

/** A sealed message with one field changed: a bit flipped, bytes cut or added, another or a broken PeerId, an odd sentAt. */
const mutatedSealed: fc.Arbitrary<SealedMessage> = fc.tuple(
  fc.constantFrom(...sealed),
  fc.oneof(
    fc.record({ field: fc.constantFrom('epk' as const, 'iv' as const, 'ct' as const, 'sig' as const), at: fc.nat(), bit: fc.nat(7), resize: fc.integer({ min: -20, max: 20 }) }),
    fc.record({ field: fc.constantFrom('from' as const, 'to' as const), id: fc.oneof(fc.constantFrom(aliceId, bobId, '', 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N', aliceId.slice(0, -1), aliceId + 'A'), fc.string({ maxLength: 60 })) }),
    fc.record({ field: fc.constant('sentAt' as const), value: fc.oneof(fc.constantFrom(Number.NaN, -0, -1, 2 ** 53 + 1, 1e308, Infinity, 0.5), fc.double(), fc.integer()) })
  )
).map(([m, edit]): SealedMessage => {
  const copy = { ...m }
  if ('id' in edit) copy[edit.field] = edit.id
  else if ('value' in edit) copy.sentAt = edit.value
  else {
    const bytes = m[edit.field]
    const out = new Uint8Array(Math.max(0, bytes.byteLength + (edit.resize % 3 === 0 ? edit.resize : 0)))
    out.set(bytes.subarray(0, out.byteLength))
    if (out.byteLength > 0) out[edit.at % out.byteLength] = (out[edit.at % out.byteLength] as number) ^ (1 << edit.bit)
    copy[edit.field] = out
  }
  return copy
})

function checkDmFrame (f: DmFrame): void {
  // what was accepted encodes again, within the frame limit, to the same frame
  expect(encodeFrame(decodeFrame(encodeFrame(f)))).toEqual(encodeFrame(f))
  if (f.type === 'message') expect(f.message.ct.byteLength).toBeLessThanOrEqual(MAX_DM_TEXT_BYTES + 16)
}

const topic = roomTopic('AAAAAAAAAAAAAAAAAAAAAA')
const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
const CANDIDATE = 'candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sEMT network-cost 999'
const callFrames: CallFrame[] = [
  { t: 'hello', topic, proof: 'A'.repeat(43), session: newSessionId(), known: null, media: { audio: true, video: false, screen: false } },
  { t: 'hello', topic, proof: 'A'.repeat(43), session: newSessionId(), known: newSessionId(), media: { audio: false, video: true, screen: true } },
  { t: 'refuse', reason: 'full' },
  { t: 'sdp', type: 'offer', sdp: SDP },
  { t: 'ice', candidate: CANDIDATE, mid: '0', index: 0, ufrag: 'sEMT' },
  { t: 'ice', candidate: CANDIDATE, mid: null, index: null, ufrag: null },
  { t: 'media', audio: false, video: true, screen: false },
  { t: 'ping' },
  { t: 'bye' }
]

/** Any subset of the fields, each a valid value or a hostile one. */
const some = <T extends Record<string, unknown>>(fields: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> => fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<T>
/** A generated enum's values (its namespace adds a `codec` beside them). */
const enumValues = <E extends string>(e: Record<string, unknown>): E[] => Object.values(e).filter((v): v is E => typeof v === 'string')
const idBytes = fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 }))
const wireText = (...valid: string[]): fc.Arbitrary<string> => fc.oneof(fc.constantFrom(...valid, ''), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom(...valid).map(v => v + '\u0000'))
const wireMedia = some({ audio: fc.boolean(), video: fc.boolean(), screen: fc.boolean() })
/** Protobuf frames built field by field (any field present or not, valid or not), encoded without our checks. */
const wireFrames: fc.Arbitrary<Uint8Array> = fc.oneof(
  some({ hello: some({ topic: wireText(topic, '/peerlink/topic/x'), proof: idBytes, session: idBytes, known: idBytes, media: wireMedia }) }),
  some({ refuse: some({ reason: fc.constantFrom(...enumValues(Refuse.Reason)) }) }),
  some({ sdp: some({ type: fc.constantFrom(...enumValues(Sdp.Type)), sdp: wireText(SDP, 'v=0', 'v=0\r\n' + 'a'.repeat(MAX_SDP_BYTES)) }) }),
  some({ ice: some({ candidate: wireText(CANDIDATE, 'candidate:', 'candidate:' + '1'.repeat(MAX_CANDIDATE_CHARS)), mid: wireText('0', 'audio'), index: fc.oneof(fc.nat(1100), fc.constant(2 ** 32 - 1)), ufrag: wireText('sEMT') }) }),
  some({ media: wireMedia }),
  fc.constantFrom({ ping: {} }, { bye: {} }, { ping: {}, bye: {} }, { hello: {}, bye: {} })
).map(frame => WireFrame.encode(frame as WireFrame))
/** Call frame inputs: arbitrary bytes, byte-level mutations of valid frames, field-level ones, or valid frames. */
function callFrameInputs (): fc.Arbitrary<Uint8Array> {
  const encoded = callFrames.map(encodeCallFrame)
  return fc.oneof(
    { arbitrary: anyBytes(), weight: 1 },
    { arbitrary: wireFrames, weight: 4 },
    { arbitrary: mutatedBytes(encoded), weight: 3 },
    { arbitrary: fc.constantFrom(...encoded), weight: 1 }
  )
}

function checkCallFrame (f: CallFrame): void {
  // the sender's own check is the receiver's: an accepted frame encodes again
  expect(encodeCallFrame(decodeCallFrame(encodeCallFrame(f)))).toEqual(encodeCallFrame(f))
  if (f.t === 'sdp') expect(utf8.encode(f.sdp).byteLength).toBeLessThanOrEqual(MAX_SDP_BYTES)
  if (f.t === 'ice') expect(f.candidate.length).toBeLessThanOrEqual(MAX_CANDIDATE_CHARS)
}

describe('fuzzing the DM decoders', () => {
  it('decodeFrame: a valid frame or DmTooLargeError/DmMalformedError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(dmFrameInputs, bytes => {
      decodes(() => decodeFrame(bytes), [DmTooLargeError, DmMalformedError], checkDmFrame, t)
    }), params(runs()))
    report('dm decodeFrame', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('decodeFrame: refuses every frame over MAX_DM_FRAME_BYTES, even a valid one padded with unknown fields', () => {
    const valid = encodeFrame(dmFrames[0] as DmFrame)
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 * 1024 }), extra => {
      const length = MAX_DM_FRAME_BYTES + extra
      // a valid frame, then zero bytes: each is an (unknown, skipped) field of number 0, wire type varint, value 0
      const bytes = new Uint8Array(length)
      bytes.set(valid)
      rejectsWith(() => decodeFrame(bytes), DmTooLargeError)
    }), params(runs(200) / 10))
  }, FUZZ_TIMEOUT_MS)

  it('openMessage: a mutated sealed message opens or fails by name', async () => {
    const t = tally()
    const started = performance.now()
    await fc.assert(fc.asyncProperty(mutatedSealed, async message => {
      await decodesAsync(async () => openMessage(message, bob, { expectedSender: aliceId }),
        [DmMalformedError, DmWrongRecipientError, DmSenderMismatchError, DmSignatureError, DmDecryptError],
        opened => { expect(opened.text.length).toBeGreaterThan(0) }, t)
    }), params(runs(1_000)))
    report('dm openMessage', t, started)
  }, FUZZ_TIMEOUT_MS)
})

describe('fuzzing the call signaling decoder', () => {
  it('decodeCallFrame: a valid frame or CallTooLargeError/CallMalformedError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(callFrameInputs(), bytes => {
      decodes(() => decodeCallFrame(bytes), [CallTooLargeError, CallMalformedError], checkCallFrame, t)
    }), params(runs()))
    report('calls decodeCallFrame', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('decodeCallFrame: refuses every frame over MAX_CALL_FRAME_BYTES, even one that starts as a valid frame', () => {
    const valid = encodeCallFrame({ t: 'ping' })
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 * 1024 }), extra => {
      const bytes = new Uint8Array(MAX_CALL_FRAME_BYTES + extra).fill(0x20)
      bytes.set(valid)
      rejectsWith(() => decodeCallFrame(bytes), CallTooLargeError)
    }), params(runs(200) / 10))
  }, FUZZ_TIMEOUT_MS)
})
