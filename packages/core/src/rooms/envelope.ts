import { sha256 } from '@noble/hashes/sha2.js'
import { AES_GCM_IV_BYTES, JSON_PAYLOAD_ENVELOPE_VERSION, MAX_ENVELOPE_BYTES, ROOM_ENVELOPE_VERSION } from './constants.js'
import { toBase64url, toHex, utf8 } from './encoding.js'
import { MalformedFrameError, OversizedFrameError } from './errors.js'
import { RoomEnvelope } from './pb/envelope.js'

/**
 * A room message on the wire (`RoomEnvelope` in pb/envelope.proto). Only the
 * topic, the author's PeerId and the clock are readable by relays and
 * non-members; what the message is (chat, presence, receipt) and its content
 * are in the ciphertext.
 */
export type Envelope = RoomEnvelope

/** The fields the author signs and the AEAD binds: everything but the signature. */
export type UnsignedEnvelope = Omit<Envelope, 'signature'>

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,60}$/
const MAX_TOPIC_LENGTH = 200

/**
 * The envelope's encoding: protons writes fields in field-number order and
 * leaves out default values, so every member computes the same bytes (and id)
 * for the same envelope.
 */
export function encodeEnvelope (e: Envelope): Uint8Array {
  return RoomEnvelope.encode(e)
}

/**
 * The bytes the author signs: everything but the signature, the IV and the
 * ciphertext as base64url (the construction of the JSON format, so that
 * stored history converted from it still verifies).
 */
export function signedBytes (e: UnsignedEnvelope): Uint8Array {
  return utf8.encode(`peerlink-room-message/v${e.version}\n${e.topic}\n${e.author}\n${e.wall}.${e.counter}\n${toBase64url(e.iv)}\n${toBase64url(e.ciphertext)}`)
}

/** Additional data bound into the AES-GCM tag: ciphertext cannot be moved to another room, author or time. */
export function associatedData (e: Pick<Envelope, 'topic' | 'author' | 'wall' | 'counter'>): Uint8Array {
  return utf8.encode(`${e.topic}\n${e.author}\n${e.wall}.${e.counter}`)
}

/** Content hash of an envelope (hex sha-256 of its encoding): the message id. */
export function envelopeId (e: Envelope): string {
  return toHex(sha256(encodeEnvelope(e)))
}

/**
 * Parses and validates an envelope from the network.
 *
 * @throws {OversizedFrameError | MalformedFrameError}
 */
export function decodeEnvelope (bytes: Uint8Array): Envelope {
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
    throw new OversizedFrameError(`envelope of ${bytes.byteLength} bytes exceeds ${MAX_ENVELOPE_BYTES}`)
  }
  let decoded: RoomEnvelope
  try {
    decoded = RoomEnvelope.decode(bytes)
  } catch {
    throw new MalformedFrameError('envelope is not a RoomEnvelope')
  }
  return validateEnvelope(decoded)
}

/**
 * Checks an envelope's fields (proto3 fields are optional on the wire) and
 * copies its bytes out of the frame they were decoded from.
 *
 * @throws {MalformedFrameError}
 */
export function validateEnvelope (e: Envelope): Envelope {
  if (e.version !== ROOM_ENVELOPE_VERSION && e.version !== JSON_PAYLOAD_ENVELOPE_VERSION) throw new MalformedFrameError('unknown envelope version')
  if (e.topic.length > MAX_TOPIC_LENGTH) throw new MalformedFrameError('bad topic')
  if (!PEER_ID.test(e.author)) throw new MalformedFrameError('bad author')
  if (!Number.isSafeInteger(e.wall) || !Number.isSafeInteger(e.counter) || e.wall < 0 || e.counter < 0) throw new MalformedFrameError('bad clock')
  if (e.iv.byteLength !== AES_GCM_IV_BYTES) throw new MalformedFrameError('bad iv')
  for (const field of ['ciphertext', 'signature'] as const) {
    if (e[field].byteLength === 0) throw new MalformedFrameError(`bad ${field}`)
  }
  return {
    version: e.version,
    topic: e.topic,
    author: e.author,
    wall: e.wall,
    counter: e.counter,
    iv: e.iv.slice(),
    ciphertext: e.ciphertext.slice(),
    signature: e.signature.slice()
  }
}
