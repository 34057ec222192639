/**
 * Wire frames of the call signaling protocol: UTF-8 JSON, one per
 * length-prefixed message on the stream, strictly validated (exact keys,
 * types, sizes, characters) and bounded by MAX_CALL_FRAME_BYTES.
 *
 * - `{"t":"hello","topic","proof","session","known","media"}`: first frame each way (see `index.ts`)
 * - `{"t":"refuse","reason"}`: the listener turns the dialer away, then closes
 * - `{"t":"sdp","type","sdp"}`: an offer or an answer
 * - `{"t":"ice","candidate","mid","index","ufrag"}`: an ICE candidate
 * - `{"t":"media","audio","video","screen"}`: what the sender now sends
 * - `{"t":"ping"}`: keepalive of an idle stream
 * - `{"t":"bye"}`: the sender left the call; it closes the stream next
 */
import { toString as uint8ArrayToString } from 'uint8arrays'
import { ROOM_TOPIC_PREFIX } from '../rooms/index.js'
import { MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_MID_CHARS, MAX_MLINE_INDEX, MAX_SDP_BYTES, MAX_UFRAG_CHARS } from './constants.js'
import { CallMalformedError, CallTooLargeError } from './errors.js'
import type { MediaState } from './types.js'

/** Why a listener turned a dialer away. */
export type RefuseReason = 'not-member' | 'not-in-call' | 'full'

export type CallFrame =
  | { t: 'hello', topic: string, proof: string, session: string, known: string | null, media: MediaState }
  | { t: 'refuse', reason: RefuseReason }
  | { t: 'sdp', type: 'offer' | 'answer', sdp: string }
  | { t: 'ice', candidate: string, mid: string | null, index: number | null, ufrag: string | null }
  | { t: 'media', audio: boolean, video: boolean, screen: boolean }
  | { t: 'ping' }
  | { t: 'bye' }

const KEYS: Record<CallFrame['t'], string> = {
  hello: keys('t', 'topic', 'proof', 'session', 'known', 'media'),
  refuse: keys('t', 'reason'),
  sdp: keys('t', 'type', 'sdp'),
  ice: keys('t', 'candidate', 'mid', 'index', 'ufrag'),
  media: keys('t', 'audio', 'video', 'screen'),
  ping: keys('t'),
  bye: keys('t')
}
const MEDIA_KEYS = keys('audio', 'video', 'screen')
const REFUSE_REASONS = new Set<string>(['not-member', 'not-in-call', 'full'])
const TOPIC = new RegExp(`^${ROOM_TOPIC_PREFIX.replace(/[/]/g, '\\/')}[0-9a-f]{64}$`)
/** HMAC-SHA256, unpadded base64url. */
const PROOF = /^[A-Za-z0-9_-]{43}$/
/** 16 random bytes, unpadded base64url. */
const SESSION = /^[A-Za-z0-9_-]{22}$/
/** SDP is text: no control characters but tab, CR and LF. */
// eslint-disable-next-line no-control-regex
const SDP_TEXT = /^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/
/** Candidates, mids and ufrags are printable ASCII. */
const PRINTABLE = /^[\x20-\x7e]*$/

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** A new random session id (16 bytes, base64url), one per join. */
export function newSessionId (): string {
  return uint8ArrayToString(crypto.getRandomValues(new Uint8Array(16)), 'base64url')
}

/**
 * Encodes a frame, checking it as the receiver will.
 *
 * @throws {CallTooLargeError | CallMalformedError} for a frame the receiver would refuse
 */
export function encodeCallFrame (frame: CallFrame): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(frame))
  // what we send must pass the peer's checks: better to fail here, saying why
  decodeCallFrame(bytes)
  return bytes
}

/**
 * Decodes and validates a frame.
 *
 * @throws {CallTooLargeError} a frame over MAX_CALL_FRAME_BYTES, an SDP over MAX_SDP_BYTES or a candidate over MAX_CANDIDATE_CHARS
 * @throws {CallMalformedError} anything else wrong, saying what
 */
export function decodeCallFrame (bytes: Uint8Array): CallFrame {
  if (bytes.byteLength > MAX_CALL_FRAME_BYTES) throw new CallTooLargeError(`frame of ${bytes.byteLength} bytes exceeds ${MAX_CALL_FRAME_BYTES}`)
  let doc: unknown
  try {
    doc = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new CallMalformedError('frame is not UTF-8 JSON')
  }
  if (typeof doc !== 'object' || doc == null || Array.isArray(doc)) throw new CallMalformedError('frame is not a JSON object')
  const r = doc as Record<string, unknown>
  if (typeof r.t !== 'string' || !Object.hasOwn(KEYS, r.t)) throw new CallMalformedError('frame type must be one of ' + Object.keys(KEYS).join(', '))
  const t = r.t as CallFrame['t']
  if (keys(...Object.keys(r)) !== KEYS[t]) throw new CallMalformedError(`${t} frame must have exactly the keys ${KEYS[t]}`)
  switch (t) {
    case 'hello':
      if (typeof r.topic !== 'string' || !TOPIC.test(r.topic)) throw new CallMalformedError('hello topic must be a room topic')
      if (typeof r.proof !== 'string' || !PROOF.test(r.proof)) throw new CallMalformedError('hello proof must be 32 bytes of base64url')
      if (typeof r.session !== 'string' || !SESSION.test(r.session)) throw new CallMalformedError('hello session must be 16 bytes of base64url')
      if (r.known !== null && (typeof r.known !== 'string' || !SESSION.test(r.known))) throw new CallMalformedError('hello known must be null or a session id')
      return { t, topic: r.topic, proof: r.proof, session: r.session, known: r.known, media: mediaObject(r.media) }
    case 'refuse':
      if (typeof r.reason !== 'string' || !REFUSE_REASONS.has(r.reason)) throw new CallMalformedError(`refuse reason must be one of ${[...REFUSE_REASONS].join(', ')}`)
      return { t, reason: r.reason as RefuseReason }
    case 'sdp':
      if (r.type !== 'offer' && r.type !== 'answer') throw new CallMalformedError('sdp type must be "offer" or "answer"')
      return { t, type: r.type, sdp: sdpField(r.sdp) }
    case 'ice':
      return {
        t,
        candidate: candidateField(r.candidate),
        mid: nullableText('mid', r.mid, MAX_MID_CHARS),
        index: indexField(r.index),
        ufrag: nullableText('ufrag', r.ufrag, MAX_UFRAG_CHARS)
      }
    case 'media':
      return { t, ...mediaFields(r) }
    case 'ping':
    case 'bye':
      return { t }
  }
}

function mediaObject (value: unknown): MediaState {
  if (typeof value !== 'object' || value == null || Array.isArray(value)) throw new CallMalformedError('hello media must be an object')
  const m = value as Record<string, unknown>
  if (keys(...Object.keys(m)) !== MEDIA_KEYS) throw new CallMalformedError(`media must have exactly the keys ${MEDIA_KEYS}`)
  return mediaFields(m)
}

function mediaFields (m: Record<string, unknown>): MediaState {
  if (typeof m.audio !== 'boolean' || typeof m.video !== 'boolean' || typeof m.screen !== 'boolean') {
    throw new CallMalformedError('media audio, video and screen must be booleans')
  }
  return { audio: m.audio, video: m.video, screen: m.screen }
}

function sdpField (value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new CallMalformedError('sdp must be a non-empty string')
  const size = encoder.encode(value).byteLength
  if (size > MAX_SDP_BYTES) throw new CallTooLargeError(`SDP of ${size} bytes exceeds ${MAX_SDP_BYTES}`)
  if (!SDP_TEXT.test(value)) throw new CallMalformedError('sdp contains control characters')
  if (!value.startsWith('v=0')) throw new CallMalformedError('sdp must start with "v=0"')
  return value
}

function candidateField (value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new CallMalformedError('candidate must be a non-empty string')
  if (value.length > MAX_CANDIDATE_CHARS) throw new CallTooLargeError(`candidate of ${value.length} characters exceeds ${MAX_CANDIDATE_CHARS}`)
  if (!PRINTABLE.test(value) || !value.startsWith('candidate:')) throw new CallMalformedError('candidate must be a printable "candidate:…" line')
  return value
}

function nullableText (name: string, value: unknown, max: number): string | null {
  if (value === null) return null
  if (typeof value !== 'string' || value.length > max || !PRINTABLE.test(value)) {
    throw new CallMalformedError(`${name} must be null or printable text of at most ${max} characters`)
  }
  return value
}

function indexField (value: unknown): number | null {
  if (value === null) return null
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_MLINE_INDEX) {
    throw new CallMalformedError(`index must be null or an integer from 0 to ${MAX_MLINE_INDEX}`)
  }
  return value
}

function keys (...names: string[]): string {
  return [...names].sort().join(',')
}
