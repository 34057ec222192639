/**
 * Wire frames of the call signaling protocol: one protobuf `CallFrame`
 * (`pb/call.proto`) per length-prefixed message on the stream, bounded by
 * MAX_CALL_FRAME_BYTES and strictly validated (required fields present,
 * sizes, characters, ranges).
 *
 * - `hello`: first frame each way (see `index.ts`)
 * - `refuse`: the listener turns the dialer away, then closes
 * - `sdp`: an offer or an answer
 * - `ice`: an ICE candidate
 * - `media`: what the sender now sends
 * - `ping`: keepalive of an idle stream
 * - `bye`: the sender left the call; it closes the stream next
 *
 * In {@link CallFrame} the binary ids (proof, session ids) are unpadded
 * base64url text, the form the rest of the code and the app use; on the wire
 * they are bytes.
 */
import { fromString as uint8ArrayFromString, toString as uint8ArrayToString } from 'uint8arrays'
import { ROOM_TOPIC_PREFIX } from '../rooms/index.js'
import { MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_MID_CHARS, MAX_MLINE_INDEX, MAX_SDP_BYTES, MAX_UFRAG_CHARS } from './constants.js'
import { CallMalformedError, CallTooLargeError } from './errors.js'
import * as pb from './pb/call.js'
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

/** Bytes of a membership proof (HMAC-SHA256). */
const PROOF_BYTES = 32
/** Bytes of a session id. */
const SESSION_BYTES = 16

const REASONS: Record<RefuseReason, pb.Refuse.Reason> = {
  'not-member': pb.Refuse.Reason.NOT_MEMBER,
  'not-in-call': pb.Refuse.Reason.NOT_IN_CALL,
  full: pb.Refuse.Reason.FULL
}
const SDP_TYPES: Record<'offer' | 'answer', pb.Sdp.Type> = {
  offer: pb.Sdp.Type.OFFER,
  answer: pb.Sdp.Type.ANSWER
}
const TOPIC = new RegExp(`^${ROOM_TOPIC_PREFIX.replace(/[/]/g, '\\/')}[0-9a-f]{64}$`)
const BASE64URL = /^[A-Za-z0-9_-]*$/
/** SDP is text: no control characters but tab, CR and LF, and no lone surrogates (not UTF-8). */
// eslint-disable-next-line no-control-regex
const SDP_TEXT = /^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\p{Cs}]*$/u
/** Candidates, mids and ufrags are printable ASCII. */
const PRINTABLE = /^[\x20-\x7e]*$/

const encoder = new TextEncoder()

/** A new random session id (16 bytes, base64url), one per join. */
export function newSessionId (): string {
  return uint8ArrayToString(crypto.getRandomValues(new Uint8Array(SESSION_BYTES)), 'base64url')
}

/**
 * Encodes a frame, checking it as the receiver will.
 *
 * @throws {CallTooLargeError | CallMalformedError} for a frame the receiver would refuse
 */
export function encodeCallFrame (frame: CallFrame): Uint8Array {
  const bytes = pb.CallFrame.encode(toWire(frame))
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
  let wire: pb.CallFrame
  try {
    // no repeated fields, so nothing for `limits` to bound: the frame's size bounds it all
    wire = pb.CallFrame.decode(bytes)
  } catch (err) {
    throw new CallMalformedError(`frame is not a CallFrame message: ${(err as Error).message}`)
  }
  if (wire.hello != null) {
    const { topic, proof, session, known, media } = wire.hello
    if (topic == null || !TOPIC.test(topic)) throw new CallMalformedError('hello topic must be a room topic')
    return {
      t: 'hello',
      topic,
      proof: idText('hello proof', proof, PROOF_BYTES),
      session: idText('hello session', session, SESSION_BYTES),
      known: known == null ? null : idText('hello known', known, SESSION_BYTES),
      media: mediaFields('hello media', media)
    }
  }
  if (wire.refuse != null) {
    const reason = (Object.keys(REASONS) as RefuseReason[]).find(r => REASONS[r] === wire.refuse?.reason)
    if (reason == null) throw new CallMalformedError('refuse reason must be NOT_MEMBER, NOT_IN_CALL or FULL')
    return { t: 'refuse', reason }
  }
  if (wire.sdp != null) {
    const { type, sdp } = wire.sdp
    if (type !== pb.Sdp.Type.OFFER && type !== pb.Sdp.Type.ANSWER) throw new CallMalformedError('sdp type must be OFFER or ANSWER')
    return { t: 'sdp', type: type === pb.Sdp.Type.OFFER ? 'offer' : 'answer', sdp: sdpField(sdp) }
  }
  if (wire.ice != null) {
    const { candidate, mid, index, ufrag } = wire.ice
    return {
      t: 'ice',
      candidate: candidateField(candidate),
      mid: optionalText('mid', mid, MAX_MID_CHARS),
      index: indexField(index),
      ufrag: optionalText('ufrag', ufrag, MAX_UFRAG_CHARS)
    }
  }
  if (wire.media != null) return { t: 'media', ...mediaFields('media', wire.media) }
  if (wire.ping != null) return { t: 'ping' }
  if (wire.bye != null) return { t: 'bye' }
  throw new CallMalformedError('frame must be one of hello, refuse, sdp, ice, media, ping, bye')
}

function toWire (frame: CallFrame): pb.CallFrame {
  switch (frame.t) {
    case 'hello':
      return {
        hello: {
          topic: frame.topic,
          proof: idBytes('hello proof', frame.proof),
          session: idBytes('hello session', frame.session),
          ...(frame.known == null ? {} : { known: idBytes('hello known', frame.known) }),
          media: { audio: frame.media.audio, video: frame.media.video, screen: frame.media.screen }
        }
      }
    case 'refuse':
      return { refuse: { reason: REASONS[frame.reason] } }
    case 'sdp':
      return { sdp: { type: SDP_TYPES[frame.type], sdp: frame.sdp } }
    case 'ice':
      return {
        ice: {
          candidate: frame.candidate,
          ...(frame.mid == null ? {} : { mid: frame.mid }),
          ...(frame.index == null ? {} : { index: indexWire(frame.index) }),
          ...(frame.ufrag == null ? {} : { ufrag: frame.ufrag })
        }
      }
    case 'media':
      return { media: { audio: frame.audio, video: frame.video, screen: frame.screen } }
    case 'ping':
      return { ping: {} }
    case 'bye':
      return { bye: {} }
  }
}

/** Wire bytes of an id given as base64url (its length is checked on the way back). */
function idBytes (name: string, text: string): Uint8Array<ArrayBuffer> {
  if (!BASE64URL.test(text)) throw new CallMalformedError(`${name} must be base64url`)
  try {
    return uint8ArrayFromString(text, 'base64url') as Uint8Array<ArrayBuffer>
  } catch {
    throw new CallMalformedError(`${name} must be base64url`)
  }
}

function idText (name: string, bytes: Uint8Array | undefined, length: number): string {
  if (bytes?.byteLength !== length) throw new CallMalformedError(`${name} must be ${length} bytes`)
  return uint8ArrayToString(bytes, 'base64url')
}

function mediaFields (name: string, m: pb.MediaState | undefined): MediaState {
  if (m?.audio == null || m.video == null || m.screen == null) throw new CallMalformedError(`${name} must have audio, video and screen`)
  return { audio: m.audio, video: m.video, screen: m.screen }
}

function sdpField (value: string | undefined): string {
  if (value == null || value === '') throw new CallMalformedError('sdp must be a non-empty string')
  const size = encoder.encode(value).byteLength
  if (size > MAX_SDP_BYTES) throw new CallTooLargeError(`SDP of ${size} bytes exceeds ${MAX_SDP_BYTES}`)
  if (!SDP_TEXT.test(value)) throw new CallMalformedError('sdp contains control characters or is not UTF-8')
  if (!value.startsWith('v=0')) throw new CallMalformedError('sdp must start with "v=0"')
  return value
}

function candidateField (value: string | undefined): string {
  if (value == null || value === '') throw new CallMalformedError('candidate must be a non-empty string')
  if (value.length > MAX_CANDIDATE_CHARS) throw new CallTooLargeError(`candidate of ${value.length} characters exceeds ${MAX_CANDIDATE_CHARS}`)
  if (!PRINTABLE.test(value) || !value.startsWith('candidate:')) throw new CallMalformedError('candidate must be a printable "candidate:…" line')
  return value
}

function optionalText (name: string, value: string | undefined, max: number): string | null {
  if (value == null) return null
  if (value.length > max || !PRINTABLE.test(value)) {
    throw new CallMalformedError(`${name} must be absent or printable text of at most ${max} characters`)
  }
  return value
}

/** The wire's uint32 would wrap a negative, fractional or huge index into a valid one: refuse it here. */
function indexWire (value: number): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_MLINE_INDEX) throw new CallMalformedError(`index must be null or an integer from 0 to ${MAX_MLINE_INDEX}`)
  return value
}

function indexField (value: number | undefined): number | null {
  if (value == null) return null
  if (value > MAX_MLINE_INDEX) throw new CallMalformedError(`index must be absent or an integer from 0 to ${MAX_MLINE_INDEX}`)
  return value
}
