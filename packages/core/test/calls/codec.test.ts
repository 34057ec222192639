/**
 * The call signaling codec (protobuf CallFrame): every frame type
 * round-trips, and malformed, incomplete, oversized or out-of-range input is
 * refused with a named error.
 */
import { fromString } from 'uint8arrays'
import { describe, expect, it } from 'vitest'
import { decodeCallFrame, encodeCallFrame, newSessionId, type CallFrame } from '../../src/calls/codec.js'
import { MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_MLINE_INDEX, MAX_SDP_BYTES } from '../../src/calls/constants.js'
import { CallMalformedError, CallTooLargeError } from '../../src/calls/errors.js'
import { CallFrame as WireFrame, Refuse, Sdp } from '../../src/calls/pb/call.js'
import { roomTopic } from '../../src/rooms/invite.js'

const topic = roomTopic('AAAAAAAAAAAAAAAAAAAAAA')
const session = newSessionId()
const proof = 'A'.repeat(43)
const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n'
const CANDIDATE = 'candidate:842163049 1 udp 1677729535 192.0.2.7 46154 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sEMT network-cost 999'

const good: CallFrame[] = [
  { t: 'hello', topic, proof, session, known: null, media: { audio: true, video: false, screen: false } },
  { t: 'hello', topic, proof, session, known: newSessionId(), media: { audio: false, video: true, screen: true } },
  { t: 'refuse', reason: 'not-member' },
  { t: 'refuse', reason: 'not-in-call' },
  { t: 'refuse', reason: 'full' },
  { t: 'sdp', type: 'offer', sdp: SDP },
  { t: 'sdp', type: 'answer', sdp: SDP },
  { t: 'ice', candidate: CANDIDATE, mid: '0', index: 0, ufrag: 'sEMT' },
  { t: 'ice', candidate: CANDIDATE, mid: null, index: null, ufrag: null },
  { t: 'media', audio: false, video: true, screen: false },
  { t: 'ping' },
  { t: 'bye' }
]

/** Encodes without our checks, as a hostile peer could. */
const wire = (frame: WireFrame): Uint8Array => WireFrame.encode(frame)
const media = { audio: true, video: true, screen: false }
const hello = { topic, proof: fromString(proof, 'base64url'), session: fromString(session, 'base64url'), media }
/** A length-delimited field: tag, length, bytes. */
const field = (n: number, bytes: Uint8Array | number[]): Uint8Array => new Uint8Array([(n << 3) | 2, bytes.length, ...bytes])
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('call signaling codec', () => {
  it('round-trips every frame type', () => {
    for (const frame of good) expect(decodeCallFrame(encodeCallFrame(frame))).toEqual(frame)
  })

  it('makes 16-byte base64url session ids, different each time', () => {
    expect(session).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(newSessionId()).not.toBe(session)
  })

  it('puts the proof and session ids on the wire as bytes', () => {
    const frame = WireFrame.decode(encodeCallFrame(good[1] as CallFrame))
    expect(frame.hello?.proof).toEqual(fromString(proof, 'base64url'))
    expect(frame.hello?.proof?.byteLength).toBe(32)
    expect(frame.hello?.session?.byteLength).toBe(16)
    expect(frame.hello?.known?.byteLength).toBe(16)
  })

  it('skips unknown fields, as protobuf does', () => {
    const bye = encodeCallFrame({ t: 'bye' })
    expect(decodeCallFrame(new Uint8Array([...bye, ...field(15, [1, 2, 3])]))).toEqual({ t: 'bye' })
  })

  it('refuses to encode what the peer would refuse', () => {
    expect(() => encodeCallFrame({ t: 'ice', candidate: CANDIDATE, mid: '0', index: -1, ufrag: null })).toThrow(CallMalformedError)
    expect(() => encodeCallFrame({ t: 'ice', candidate: CANDIDATE, mid: '0', index: 0.5, ufrag: null })).toThrow(CallMalformedError)
    expect(() => encodeCallFrame({ t: 'hello', topic, proof: 'not base64url!', session, known: null, media })).toThrow(CallMalformedError)
    expect(() => encodeCallFrame({ t: 'hello', topic, proof: 'AAAA', session, known: null, media })).toThrow(CallMalformedError)
  })

  const malformed: Array<[string, Uint8Array]> = [
    ['not protobuf', new Uint8Array([0xff, 0xff, 0xff])],
    ['a field running past the end', new Uint8Array([0x0a, 0x10, 0x0a])],
    ['empty', new Uint8Array()],
    ['an unknown frame type', field(8, [])],
    ['a missing sdp', wire({ sdp: { type: Sdp.Type.OFFER } })],
    ['a missing sdp type', wire({ sdp: { sdp: SDP } })],
    ['an unspecified sdp type', wire({ sdp: { type: Sdp.Type.TYPE_UNSPECIFIED, sdp: SDP } })],
    ['an unknown sdp type (a rollback)', field(3, [0x08, 0x03, ...field(2, utf8('v=0'))])],
    ['an empty sdp', wire({ sdp: { type: Sdp.Type.OFFER, sdp: '' } })],
    ['an sdp that is not SDP', wire({ sdp: { type: Sdp.Type.OFFER, sdp: 'hello' } })],
    ['an sdp with a NUL', wire({ sdp: { type: Sdp.Type.OFFER, sdp: 'v=0\r\n\u0000' } })],
    ['an sdp that is not UTF-8 (a lone surrogate)', field(3, [0x08, 0x01, ...field(2, [...utf8('v=0\r\n'), 0xed, 0xa0, 0x80])])],
    ['a missing candidate', wire({ ice: { mid: '0', index: 0 } })],
    ['an empty candidate', wire({ ice: { candidate: '', mid: '0', index: 0 } })],
    ['a candidate without its prefix', wire({ ice: { candidate: '842163049 1 udp', mid: '0', index: 0 } })],
    ['a candidate with a line break', wire({ ice: { candidate: 'candidate:1 1 udp\r\na=x', mid: '0', index: 0 } })],
    ['an m-line index over the limit', wire({ ice: { candidate: CANDIDATE, mid: '0', index: MAX_MLINE_INDEX + 1 } })],
    ['a huge m-line index', wire({ ice: { candidate: CANDIDATE, mid: '0', index: 4e9 } })],
    ['a long mid', wire({ ice: { candidate: CANDIDATE, mid: 'm'.repeat(65), index: 0 } })],
    ['a ufrag with a line break', wire({ ice: { candidate: CANDIDATE, ufrag: 'a\nb' } })],
    ['a media state without screen', wire({ media: { audio: false, video: true } })],
    ['an empty media state', wire({ media: {} })],
    ['a hello for a topic that is not a room', wire({ hello: { ...hello, topic: '/peerlink/topic/other' } })],
    ['a hello without topic', wire({ hello: { ...hello, topic: undefined } })],
    ['a hello with a short proof', wire({ hello: { ...hello, proof: new Uint8Array(4) } })],
    ['a hello without proof', wire({ hello: { ...hello, proof: undefined } })],
    ['a hello with a long session', wire({ hello: { ...hello, session: new Uint8Array(17) } })],
    ['a hello without session', wire({ hello: { ...hello, session: undefined } })],
    ['a hello with an empty known session', wire({ hello: { ...hello, known: new Uint8Array() } })],
    ['a hello without media', wire({ hello: { ...hello, media: undefined } })],
    ['a hello with media missing a flag', wire({ hello: { ...hello, media: { audio: true, video: true } } })],
    ['a refusal for no reason', wire({ refuse: {} })],
    ['a refusal for an unspecified reason', wire({ refuse: { reason: Refuse.Reason.REASON_UNSPECIFIED } })],
    ['a refusal for an unknown reason', field(2, [0x08, 0x09])]
  ]
  for (const [what, bytes] of malformed) {
    it(`refuses ${what} with CallMalformedError`, () => {
      expect(() => decodeCallFrame(bytes)).toThrow(CallMalformedError)
    })
  }

  it('refuses an SDP over the limit, a candidate over the limit and a frame over the limit with CallTooLargeError', () => {
    const bigSdp = 'v=0\r\n' + 'a'.repeat(MAX_SDP_BYTES)
    expect(() => decodeCallFrame(wire({ sdp: { type: Sdp.Type.OFFER, sdp: bigSdp } }))).toThrow(CallTooLargeError)
    expect(() => encodeCallFrame({ t: 'sdp', type: 'offer', sdp: bigSdp })).toThrow(CallTooLargeError)
    const bigCandidate = 'candidate:' + '1'.repeat(MAX_CANDIDATE_CHARS)
    expect(() => decodeCallFrame(wire({ ice: { candidate: bigCandidate, mid: '0', index: 0 } }))).toThrow(CallTooLargeError)
    expect(() => decodeCallFrame(new Uint8Array(MAX_CALL_FRAME_BYTES + 1))).toThrow(CallTooLargeError)
    // multi-byte characters count in bytes, not characters
    const wide = 'v=0\r\ns=' + 'é'.repeat(MAX_SDP_BYTES / 2)
    expect(() => decodeCallFrame(wire({ sdp: { type: Sdp.Type.OFFER, sdp: wide } }))).toThrow(CallTooLargeError)
  })

  it('accepts an SDP right at the limit', () => {
    const sdp = 'v=0\r\n' + 'a'.repeat(MAX_SDP_BYTES - 5)
    expect(decodeCallFrame(encodeCallFrame({ t: 'sdp', type: 'offer', sdp }))).toEqual({ t: 'sdp', type: 'offer', sdp })
  })
})
