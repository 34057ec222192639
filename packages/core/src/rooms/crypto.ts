import { peerIdFromString } from '@libp2p/peer-id'
import { AES_GCM_IV_BYTES, ROOM_ENVELOPE_VERSION } from './constants.js'
import { associatedData, signedBytes, type Envelope } from './envelope.js'
import { fromBase64url, toBase64url, utf8 } from './encoding.js'
import { BadSignatureError, MalformedFrameError, UndecryptableError } from './errors.js'
import { decodePayload, encodePayload, type Payload } from './payload.js'
import type { Hlc } from './types.js'
import type { PrivateKey } from '@libp2p/interface'


/** Keys derived from a room key with HKDF-SHA256. */
export interface RoomKeys {
  /** Encrypts every room message (AES-256-GCM). */
  messages: CryptoKey
  /** Proves membership when asking a member for history (HMAC-SHA256). */
  membership: CryptoKey
}

const SALT = utf8.encode('peerlink/room/v1')

export async function deriveRoomKeys (roomKey: Uint8Array): Promise<RoomKeys> {
  const ikm = await crypto.subtle.importKey('raw', roomKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey'])
  const derive = async (info: string, algorithm: AesKeyGenParams | HmacKeyGenParams, usages: KeyUsage[]): Promise<CryptoKey> =>
    crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: utf8.encode(info) }, ikm, algorithm, false, usages)
  return {
    messages: await derive('messages', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
    membership: await derive('membership', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign', 'verify'])
  }
}

export interface SealInit {
  keys: RoomKeys
  topic: string
  privateKey: PrivateKey
  author: string
  hlc: Hlc
  payload: Payload
}

/** Encrypts a payload with the room key and signs the envelope with the author's identity key. */
export async function sealEnvelope ({ keys, topic, privateKey, author, hlc, payload }: SealInit): Promise<Envelope> {
  const iv = crypto.getRandomValues(new Uint8Array(AES_GCM_IV_BYTES))
  const header = { version: ROOM_ENVELOPE_VERSION, topic, author, wall: hlc.wall, counter: hlc.counter }
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(header) as Uint8Array<ArrayBuffer> },
    keys.messages,
    encodePayload(payload) as Uint8Array<ArrayBuffer>
  ))
  const unsigned = { ...header, iv, ciphertext }
  const signature = await privateKey.sign(signedBytes(unsigned))
  return { ...unsigned, signature: signature as Uint8Array<ArrayBuffer> }
}

/**
 * Checks an envelope's signature against its author's PeerId.
 *
 * @throws {BadSignatureError | MalformedFrameError}
 */
export async function verifySignature (envelope: Envelope): Promise<void> {
  let publicKey
  try {
    publicKey = peerIdFromString(envelope.author).publicKey
  } catch {
    throw new MalformedFrameError('author is not a PeerId')
  }
  if (publicKey == null) throw new MalformedFrameError('author PeerId carries no public key')
  let valid = false
  try {
    valid = await publicKey.verify(signedBytes(envelope), envelope.signature)
  } catch {
    // a signature of the wrong length or shape is as bad as a wrong one
  }
  if (!valid) throw new BadSignatureError(`signature does not match author ${envelope.author}`)
}

/**
 * Checks an envelope's signature against its author's PeerId, then decrypts
 * and validates its payload.
 *
 * @throws {BadSignatureError | UndecryptableError | MalformedFrameError}
 */
export async function openEnvelope (keys: RoomKeys, envelope: Envelope): Promise<Payload> {
  await verifySignature(envelope)
  let plaintext: Uint8Array
  try {
    plaintext = new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: envelope.iv, additionalData: associatedData(envelope) as Uint8Array<ArrayBuffer> },
      keys.messages,
      envelope.ciphertext
    ))
  } catch {
    throw new UndecryptableError('message does not decrypt with this room\'s key')
  }
  return decodePayload(plaintext, envelope.version)
}

/** Proof that `peerId` holds the room key (sent with sync requests): HMAC-SHA256 of `<topic>\n<peerId>` with the membership key. */
export async function membershipProofBytes (keys: RoomKeys, topic: string, peerId: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', keys.membership, utf8.encode(`${topic}\n${peerId}`) as Uint8Array<ArrayBuffer>))
}

export async function verifyMembershipProofBytes (keys: RoomKeys, topic: string, peerId: string, proof: Uint8Array): Promise<boolean> {
  return crypto.subtle.verify('HMAC', keys.membership, proof as Uint8Array<ArrayBuffer>, utf8.encode(`${topic}\n${peerId}`) as Uint8Array<ArrayBuffer>)
}

/** {@link membershipProofBytes} as base64url, for protocols that carry it as text. */
export async function membershipProof (keys: RoomKeys, topic: string, peerId: string): Promise<string> {
  return toBase64url(await membershipProofBytes(keys, topic, peerId))
}

export async function verifyMembershipProof (keys: RoomKeys, topic: string, peerId: string, proof: string): Promise<boolean> {
  const bytes = fromBase64url(proof)
  if (bytes == null) return false
  return verifyMembershipProofBytes(keys, topic, peerId, bytes)
}
