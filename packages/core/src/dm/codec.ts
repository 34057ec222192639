/**
 * Wire frames of the DM protocol: one protobuf `DmFrame` (pb/dm.proto) per
 * length-prefixed message on the stream, bounded by MAX_DM_FRAME_BYTES and
 * strictly checked once decoded (exactly one of message and ack, every field
 * present with its exact size or within its bounds, PeerIds that parse).
 *
 * - `message`: a sealed message (PeerIds travel as multihash bytes, and are
 *   strings here)
 * - `ack`: the recipient stored the message with this id (32 bytes on the
 *   wire, hex here)
 */
import { peerIdFromMultihash, peerIdFromString } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { equals as uint8ArrayEquals, fromString as uint8ArrayFromString, toString as uint8ArrayToString } from 'uint8arrays'
import { MAX_DM_FRAME_BYTES, MAX_DM_TEXT_BYTES, MAX_PEER_ID_BYTES } from './constants.js'
import { DmMalformedError, DmTooLargeError } from './errors.js'
import { DmFrame as WireFrame, type SealedMessage as WireSealedMessage } from './pb/dm.js'
import { EPK_BYTES, ID_BYTES, IV_BYTES, SIG_BYTES, TAG_BYTES, type SealedMessage } from './seal.js'

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

const MESSAGE_ID = /^[0-9a-f]{64}$/
const MAX_SENT_AT = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Encodes a frame.
 *
 * @throws {DmMalformedError} a PeerId that does not parse, a sentAt that is not a non-negative integer, an id that is not 64 hex digits
 * @throws {DmTooLargeError} when the frame would exceed MAX_DM_FRAME_BYTES
 */
export function encodeFrame (frame: DmFrame): Uint8Array {
  const bytes = WireFrame.encode(frame.type === 'ack'
    ? { ack: { id: ackIdBytes(frame.id) } }
    : { message: wireMessage(frame.message) })
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
  let frame: WireFrame
  try {
    frame = WireFrame.decode(bytes)
  } catch (err) {
    throw new DmMalformedError(`frame is not a DmFrame: ${(err as Error).message}`)
  }
  if (frame.ack != null) {
    if (frame.message != null) throw new DmMalformedError('a frame must carry one of message and ack, not both')
    return { type: 'ack', id: uint8ArrayToString(bytesField('ack id', frame.ack.id, ID_BYTES, ID_BYTES), 'base16') }
  }
  const { message } = frame
  if (message == null) throw new DmMalformedError('a frame must carry a message or an ack')
  return {
    type: 'message',
    message: {
      from: peerIdField('from', message.from),
      to: peerIdField('to', message.to),
      sentAt: sentAtField(message.sentAt),
      epk: bytesField('epk', message.epk, EPK_BYTES, EPK_BYTES),
      iv: bytesField('iv', message.iv, IV_BYTES, IV_BYTES),
      ct: bytesField('ct', message.ct, TAG_BYTES + 1, MAX_DM_TEXT_BYTES + TAG_BYTES),
      sig: bytesField('sig', message.sig, SIG_BYTES, SIG_BYTES)
    }
  }
}

function wireMessage (message: SealedMessage): WireSealedMessage {
  if (!Number.isSafeInteger(message.sentAt) || message.sentAt < 0) throw new DmMalformedError('sentAt must be a non-negative integer (epoch ms)')
  // copies: the generated types want ArrayBuffer-backed arrays
  return {
    from: new Uint8Array(peerIdBytes('from', message.from)),
    to: new Uint8Array(peerIdBytes('to', message.to)),
    sentAt: BigInt(message.sentAt),
    epk: new Uint8Array(message.epk),
    iv: new Uint8Array(message.iv),
    ct: new Uint8Array(message.ct),
    sig: new Uint8Array(message.sig)
  }
}

function peerIdBytes (name: string, peerId: string): Uint8Array {
  try {
    return peerIdFromString(peerId).toMultihash().bytes
  } catch {
    throw new DmMalformedError(`${name} must be a PeerId string`)
  }
}

function ackIdBytes (id: string): Uint8Array<ArrayBuffer> {
  if (!MESSAGE_ID.test(id)) throw new DmMalformedError('an ack id must be 64 lowercase hex digits')
  return new Uint8Array(uint8ArrayFromString(id, 'base16'))
}

/** A PeerId's multihash bytes as its string form (base58btc): what the seal signs. */
function peerIdField (name: string, bytes: Uint8Array): string {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_PEER_ID_BYTES) throw new DmMalformedError(`${name} must be a PeerId of 1..${MAX_PEER_ID_BYTES} bytes`)
  try {
    const id = peerIdFromMultihash(Digest.decode(bytes))
    // Digest.decode checks the digest's length; the multihash must also be the one we were given
    if (uint8ArrayEquals(id.toMultihash().bytes, bytes)) return id.toString()
  } catch {
    // named below
  }
  throw new DmMalformedError(`${name} is not a PeerId`)
}

function sentAtField (value: bigint): number {
  // the runtime reads a fixed64 of 2^63 or more as negative
  if (value < 0n || value > MAX_SENT_AT) throw new DmMalformedError('sentAt must be at most 2^53 - 1 (epoch ms)')
  return Number(value)
}

/** A copy of `min`..`max` bytes (the decoder's are views into the frame). */
function bytesField (name: string, bytes: Uint8Array, min: number, max: number): Uint8Array {
  if (bytes.byteLength < min || bytes.byteLength > max) {
    throw new DmMalformedError(`${name} must be ${min === max ? min : `${min}..${max}`} bytes, not ${bytes.byteLength}`)
  }
  return bytes.slice()
}
