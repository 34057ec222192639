/**
 * Wire frames of the DM protocol: UTF-8 JSON, one per length-prefixed message
 * on the stream, strictly validated (exact keys, types, sizes, canonical
 * base64url) and bounded by MAX_DM_FRAME_BYTES.
 *
 * - `{"type":"message","from","to","sentAt","epk","iv","ct","sig"}`: a sealed message (binary fields base64url)
 * - `{"type":"ack","id"}`: the recipient stored the message with this id
 */
import { fromString as uint8ArrayFromString, toString as uint8ArrayToString } from 'uint8arrays'
import { MAX_DM_FRAME_BYTES, MAX_DM_TEXT_BYTES, MAX_PEER_ID_CHARS } from './constants.js'
import { DmMalformedError, DmTooLargeError } from './errors.js'
import { EPK_BYTES, IV_BYTES, SIG_BYTES, TAG_BYTES, type SealedMessage } from './seal.js'

export interface MessageFrame {
  type: 'message'
  message: SealedMessage
}

export interface AckFrame {
  type: 'ack'
  /** Id (hex SHA-256) of the acknowledged message. */
  id: string
}

export type DmFrame = MessageFrame | AckFrame

const MESSAGE_KEYS = ['type', 'from', 'to', 'sentAt', 'epk', 'iv', 'ct', 'sig'].sort()
const ACK_KEYS = ['type', 'id'].sort()
const MESSAGE_ID = /^[0-9a-f]{64}$/
const PEER_ID = /^[A-Za-z0-9]+$/
const BASE64URL = /^[A-Za-z0-9_-]*$/

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Encodes a frame.
 *
 * @throws {DmTooLargeError} when the frame would exceed MAX_DM_FRAME_BYTES
 */
export function encodeFrame (frame: DmFrame): Uint8Array {
  const doc = frame.type === 'ack'
    ? { type: 'ack', id: frame.id }
    : {
        type: 'message',
        from: frame.message.from,
        to: frame.message.to,
        sentAt: frame.message.sentAt,
        epk: b64(frame.message.epk),
        iv: b64(frame.message.iv),
        ct: b64(frame.message.ct),
        sig: b64(frame.message.sig)
      }
  const bytes = encoder.encode(JSON.stringify(doc))
  if (bytes.byteLength > MAX_DM_FRAME_BYTES) throw new DmTooLargeError(`frame of ${bytes.byteLength} bytes exceeds ${MAX_DM_FRAME_BYTES}`)
  return bytes
}

/**
 * Decodes and validates a frame.
 *
 * @throws {DmTooLargeError} more than MAX_DM_FRAME_BYTES
 * @throws {DmMalformedError} anything else wrong, saying what
 */
export function decodeFrame (bytes: Uint8Array): DmFrame {
  if (bytes.byteLength > MAX_DM_FRAME_BYTES) throw new DmTooLargeError(`frame of ${bytes.byteLength} bytes exceeds ${MAX_DM_FRAME_BYTES}`)
  let doc: unknown
  try {
    doc = JSON.parse(decoder.decode(bytes))
  } catch {
    throw new DmMalformedError('frame is not UTF-8 JSON')
  }
  if (typeof doc !== 'object' || doc == null || Array.isArray(doc)) throw new DmMalformedError('frame is not a JSON object')
  const record = doc as Record<string, unknown>
  const keys = Object.keys(record).sort().join(',')
  if (record.type === 'ack') {
    if (keys !== ACK_KEYS.join(',')) throw new DmMalformedError(`ack frame must have exactly the keys ${ACK_KEYS.join(', ')}`)
    if (typeof record.id !== 'string' || !MESSAGE_ID.test(record.id)) throw new DmMalformedError('ack id must be 64 lowercase hex digits')
    return { type: 'ack', id: record.id }
  }
  if (record.type === 'message') {
    if (keys !== MESSAGE_KEYS.join(',')) throw new DmMalformedError(`message frame must have exactly the keys ${MESSAGE_KEYS.join(', ')}`)
    const { from, to, sentAt } = record
    return {
      type: 'message',
      message: {
        from: peerIdField('from', from),
        to: peerIdField('to', to),
        sentAt: sentAtField(sentAt),
        epk: bytesField('epk', record.epk, EPK_BYTES, EPK_BYTES),
        iv: bytesField('iv', record.iv, IV_BYTES, IV_BYTES),
        ct: bytesField('ct', record.ct, TAG_BYTES + 1, MAX_DM_TEXT_BYTES + TAG_BYTES),
        sig: bytesField('sig', record.sig, SIG_BYTES, SIG_BYTES)
      }
    }
  }
  throw new DmMalformedError('frame type must be "message" or "ack"')
}

function peerIdField (name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PEER_ID_CHARS || !PEER_ID.test(value)) {
    throw new DmMalformedError(`${name} must be a PeerId string`)
  }
  return value
}

function sentAtField (value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DmMalformedError('sentAt must be a non-negative integer (epoch ms)')
  }
  return value
}

/** Canonical unpadded base64url of `min`..`max` bytes. */
function bytesField (name: string, value: unknown, min: number, max: number): Uint8Array {
  if (typeof value !== 'string' || value.length > Math.ceil(max * 4 / 3) || !BASE64URL.test(value)) {
    throw new DmMalformedError(`${name} must be base64url of ${min === max ? min : `${min}..${max}`} bytes`)
  }
  let bytes: Uint8Array
  try {
    // a plain Uint8Array (Node's decoder returns a Buffer)
    bytes = new Uint8Array(uint8ArrayFromString(value, 'base64url'))
  } catch {
    throw new DmMalformedError(`${name} is not valid base64url`)
  }
  if (b64(bytes) !== value) throw new DmMalformedError(`${name} is not canonical base64url`)
  if (bytes.byteLength < min || bytes.byteLength > max) {
    throw new DmMalformedError(`${name} must be ${min === max ? min : `${min}..${max}`} bytes, not ${bytes.byteLength}`)
  }
  return bytes
}

function b64 (bytes: Uint8Array): string {
  return uint8ArrayToString(bytes, 'base64url')
}
