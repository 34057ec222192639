/**
 * The call signaling codec: every frame type round-trips, and malformed,
 * oversized or out-of-range input is refused with a named error.
 */
import { describe, expect, it } from 'vitest'
import { decodeCallFrame, encodeCallFrame, newSessionId, type CallFrame } from '../src/calls/codec.js'
import { MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_SDP_BYTES } from '../src/calls/constants.js'
import { CallMalformedError, CallTooLargeError } from '../src/calls/errors.js'
import { roomTopic } from '../src/rooms/invite.js'

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

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('call signaling codec', () => {
  it('round-trips every frame type', () => {
    for (const frame of good) expect(decodeCallFrame(encodeCallFrame(frame))).toEqual(frame)
  })

  it('makes 16-byte base64url session ids, different each time', () => {
    expect(session).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(newSessionId()).not.toBe(session)
  })

  const malformed: Array<[string, Uint8Array]> = [
    ['not UTF-8', new Uint8Array([0xff, 0xfe, 0x7b])],
    ['not JSON', new TextEncoder().encode('{"t":"bye"')],
    ['empty', new Uint8Array()],
    ['an array', json([{ t: 'bye' }])],
    ['null', json(null)],
    ['a string', json('bye')],
    ['no type', json({ sdp: SDP })],
    ['an unknown type', json({ t: 'offer', sdp: SDP })],
    ['a type that is not a string', json({ t: 1 })],
    ['a prototype key as type', json({ t: 'constructor' })],
    ['an extra key', json({ t: 'bye', extra: 1 })],
    ['a missing key', json({ t: 'sdp', type: 'offer' })],
    ['a bad sdp type', json({ t: 'sdp', type: 'pranswer', sdp: SDP })],
    ['a rollback', json({ t: 'sdp', type: 'rollback', sdp: SDP })],
    ['an sdp that is not a string', json({ t: 'sdp', type: 'offer', sdp: 42 })],
    ['an empty sdp', json({ t: 'sdp', type: 'offer', sdp: '' })],
    ['an sdp that is not SDP', json({ t: 'sdp', type: 'offer', sdp: 'hello' })],
    ['an sdp with a NUL', json({ t: 'sdp', type: 'offer', sdp: 'v=0\r\n\u0000' })],
    ['a candidate that is not a string', json({ t: 'ice', candidate: {}, mid: '0', index: 0, ufrag: null })],
    ['an empty candidate', json({ t: 'ice', candidate: '', mid: '0', index: 0, ufrag: null })],
    ['a candidate without its prefix', json({ t: 'ice', candidate: '842163049 1 udp', mid: '0', index: 0, ufrag: null })],
    ['a candidate with a line break', json({ t: 'ice', candidate: 'candidate:1 1 udp\r\na=x', mid: '0', index: 0, ufrag: null })],
    ['a negative m-line index', json({ t: 'ice', candidate: CANDIDATE, mid: '0', index: -1, ufrag: null })],
    ['a fractional m-line index', json({ t: 'ice', candidate: CANDIDATE, mid: '0', index: 0.5, ufrag: null })],
    ['a huge m-line index', json({ t: 'ice', candidate: CANDIDATE, mid: '0', index: 1e9, ufrag: null })],
    ['a numeric mid', json({ t: 'ice', candidate: CANDIDATE, mid: 0, index: 0, ufrag: null })],
    ['a long mid', json({ t: 'ice', candidate: CANDIDATE, mid: 'm'.repeat(65), index: 0, ufrag: null })],
    ['a missing ufrag', json({ t: 'ice', candidate: CANDIDATE, mid: '0', index: 0 })],
    ['a media flag that is not a boolean', json({ t: 'media', audio: 'yes', video: true, screen: false })],
    ['a hello for a topic that is not a room', json({ t: 'hello', topic: '/peerlink/topic/other', proof, session, known: null, media: { audio: true, video: true, screen: false } })],
    ['a hello with a short proof', json({ t: 'hello', topic, proof: 'AAAA', session, known: null, media: { audio: true, video: true, screen: false } })],
    ['a hello with a bad session', json({ t: 'hello', topic, proof, session: 'not a session', known: null, media: { audio: true, video: true, screen: false } })],
    ['a hello with a bad known session', json({ t: 'hello', topic, proof, session, known: 7, media: { audio: true, video: true, screen: false } })],
    ['a hello without media', json({ t: 'hello', topic, proof, session, known: null })],
    ['a hello with media as an array', json({ t: 'hello', topic, proof, session, known: null, media: [true, true, false] })],
    ['a hello with an extra media key', json({ t: 'hello', topic, proof, session, known: null, media: { audio: true, video: true, screen: false, data: true } })],
    ['a refusal for no reason', json({ t: 'refuse', reason: 'because' })]
  ]
  for (const [what, bytes] of malformed) {
    it(`refuses ${what} with CallMalformedError`, () => {
      expect(() => decodeCallFrame(bytes)).toThrow(CallMalformedError)
    })
  }

  it('refuses an SDP over the limit, a candidate over the limit and a frame over the limit with CallTooLargeError', () => {
    const bigSdp = 'v=0\r\n' + 'a'.repeat(MAX_SDP_BYTES)
    expect(() => decodeCallFrame(json({ t: 'sdp', type: 'offer', sdp: bigSdp }))).toThrow(CallTooLargeError)
    expect(() => encodeCallFrame({ t: 'sdp', type: 'offer', sdp: bigSdp })).toThrow(CallTooLargeError)
    const bigCandidate = 'candidate:' + '1'.repeat(MAX_CANDIDATE_CHARS)
    expect(() => decodeCallFrame(json({ t: 'ice', candidate: bigCandidate, mid: '0', index: 0, ufrag: null }))).toThrow(CallTooLargeError)
    expect(() => decodeCallFrame(new Uint8Array(MAX_CALL_FRAME_BYTES + 1))).toThrow(CallTooLargeError)
    // multi-byte characters count in bytes, not characters
    const wide = 'v=0\r\ns=' + 'é'.repeat(MAX_SDP_BYTES / 2)
    expect(() => decodeCallFrame(json({ t: 'sdp', type: 'offer', sdp: wide }))).toThrow(CallTooLargeError)
  })

  it('accepts an SDP right at the limit', () => {
    const sdp = 'v=0\r\n' + 'a'.repeat(MAX_SDP_BYTES - 5)
    expect(decodeCallFrame(encodeCallFrame({ t: 'sdp', type: 'offer', sdp }))).toEqual({ t: 'sdp', type: 'offer', sdp })
  })
})
