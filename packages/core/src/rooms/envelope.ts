import { sha256 } from '@noble/hashes/sha2.js'
import { MAX_ENVELOPE_BYTES } from './constants.js'
import { toHex, utf8 } from './encoding.js'
import { MalformedFrameError, OversizedFrameError } from './errors.js'

/**
 * A room message on the wire. Only `t` (the topic hash), `a` (the author's
 * PeerId) and `h` (the HLC) are readable by relays and non-members; what the
 * message is (chat, presence, receipt) and its content are in the ciphertext.
 */
export interface Envelope {
  v: 1
  /** Room topic. */
  t: string
  /** Author PeerId. */
  a: string
  /** HLC: wall ms, counter. */
  h: [number, number]
  /** AES-GCM IV, base64url. */
  n: string
  /** Ciphertext, base64url. */
  c: string
  /** Author's Ed25519 signature over the other fields, base64url. */
  s: string
}

const B64URL = /^[A-Za-z0-9_-]+$/

/** Canonical encoding: fixed key order, so every member computes the same id. */
export function encodeEnvelope (e: Envelope): Uint8Array {
  return utf8.encode(JSON.stringify({ v: e.v, t: e.t, a: e.a, h: [e.h[0], e.h[1]], n: e.n, c: e.c, s: e.s }))
}

/** The bytes the author signs: everything but the signature. */
export function signedBytes (e: Omit<Envelope, 's'>): Uint8Array {
  return utf8.encode(`peerlink-room-message/v1\n${e.t}\n${e.a}\n${e.h[0]}.${e.h[1]}\n${e.n}\n${e.c}`)
}

/** Additional data bound into the AES-GCM tag: ciphertext cannot be moved to another room, author or time. */
export function associatedData (e: Pick<Envelope, 't' | 'a' | 'h'>): Uint8Array {
  return utf8.encode(`${e.t}\n${e.a}\n${e.h[0]}.${e.h[1]}`)
}

/** Content hash of an envelope (hex sha-256 of its canonical encoding): the message id. */
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
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes))
  } catch {
    throw new MalformedFrameError('envelope is not JSON')
  }
  return validateEnvelope(value)
}

export function validateEnvelope (value: unknown): Envelope {
  if (typeof value !== 'object' || value == null) throw new MalformedFrameError('envelope is not an object')
  const e = value as Record<string, unknown>
  const h = e.h
  if (e.v !== 1) throw new MalformedFrameError('unknown envelope version')
  if (typeof e.t !== 'string' || e.t.length > 200) throw new MalformedFrameError('bad topic')
  if (typeof e.a !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(e.a)) throw new MalformedFrameError('bad author')
  if (!Array.isArray(h) || h.length !== 2 || !h.every(x => Number.isSafeInteger(x) && x >= 0)) throw new MalformedFrameError('bad clock')
  for (const field of ['n', 'c', 's'] as const) {
    if (typeof e[field] !== 'string' || !B64URL.test(e[field])) throw new MalformedFrameError(`bad ${field}`)
  }
  return { v: 1, t: e.t, a: e.a, h: [h[0], h[1]], n: e.n as string, c: e.c as string, s: e.s as string }
}
