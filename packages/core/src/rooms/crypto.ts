import { peerIdFromString } from '@libp2p/peer-id'
import { associatedData, signedBytes, type Envelope } from './envelope.js'
import { fromBase64url, toBase64url, utf8 } from './encoding.js'
import { BadSignatureError, MalformedFrameError, UndecryptableError } from './errors.js'
import { MAX_FILE_NAME_BYTES, MAX_FILE_TYPE_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_BYTES } from './constants.js'
import type { FileAttachment, Hlc, MemberState } from './types.js'
import type { PrivateKey } from '@libp2p/interface'

/** Keys derived from a room key with HKDF-SHA256. */
export interface RoomKeys {
  /** Encrypts every room message (AES-256-GCM). */
  messages: CryptoKey
  /** Proves membership when asking a member for history (HMAC-SHA256). */
  membership: CryptoKey
}

/** What a room envelope carries, once decrypted. */
export type Payload =
  | { k: 'chat', text: string, name: string, file?: FileAttachment }
  | { k: 'presence', name: string, state: MemberState, call?: boolean }
  | { k: 'receipt', ids: string[] }

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
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const header = { t: topic, a: author, h: [hlc.wall, hlc.counter] as [number, number] }
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(header) as Uint8Array<ArrayBuffer> },
    keys.messages,
    utf8.encode(JSON.stringify(payload)) as Uint8Array<ArrayBuffer>
  ))
  const unsigned = { v: 1 as const, ...header, n: toBase64url(iv), c: toBase64url(ciphertext) }
  const signature = await privateKey.sign(signedBytes(unsigned))
  return { ...unsigned, s: toBase64url(signature) }
}

/**
 * Checks an envelope's signature against its author's PeerId, then decrypts
 * and validates its payload.
 *
 * @throws {BadSignatureError | UndecryptableError | MalformedFrameError}
 */
export async function openEnvelope (keys: RoomKeys, envelope: Envelope): Promise<Payload> {
  let publicKey
  try {
    publicKey = peerIdFromString(envelope.a).publicKey
  } catch {
    throw new MalformedFrameError('author is not a PeerId')
  }
  if (publicKey == null) throw new MalformedFrameError('author PeerId carries no public key')
  const signature = fromBase64url(envelope.s)
  let valid = false
  try {
    valid = signature != null && await publicKey.verify(signedBytes(envelope), signature)
  } catch {
    // a signature of the wrong length or shape is as bad as a wrong one
  }
  if (!valid) throw new BadSignatureError(`signature does not match author ${envelope.a}`)
  const iv = fromBase64url(envelope.n)
  const ciphertext = fromBase64url(envelope.c)
  if (iv?.length !== 12 || ciphertext == null) throw new MalformedFrameError('bad iv or ciphertext')
  let plaintext: Uint8Array
  try {
    plaintext = new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: associatedData(envelope) as Uint8Array<ArrayBuffer> },
      keys.messages,
      ciphertext as Uint8Array<ArrayBuffer>
    ))
  } catch {
    throw new UndecryptableError('message does not decrypt with this room\'s key')
  }
  return parsePayload(plaintext)
}

function parsePayload (bytes: Uint8Array): Payload {
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes))
  } catch {
    throw new MalformedFrameError('payload is not JSON')
  }
  const p = value as Record<string, unknown>
  const name = (): string => {
    if (typeof p.name !== 'string' || p.name.length > MAX_NAME_LENGTH) throw new MalformedFrameError('bad name')
    return p.name
  }
  switch (p?.k) {
    case 'chat': {
      const file = p.file == null ? undefined : parseAttachment(p.file)
      if (typeof p.text !== 'string' || (p.text === '' && file == null) || utf8.encode(p.text).byteLength > MAX_TEXT_BYTES) throw new MalformedFrameError('bad text')
      return file == null ? { k: 'chat', text: p.text, name: name() } : { k: 'chat', text: p.text, name: name(), file }
    }
    case 'presence':
      if (p.state !== 'online' && p.state !== 'away' && p.state !== 'offline') throw new MalformedFrameError('bad state')
      if (p.call !== undefined && typeof p.call !== 'boolean') throw new MalformedFrameError('bad call flag')
      return p.call === true ? { k: 'presence', name: name(), state: p.state, call: true } : { k: 'presence', name: name(), state: p.state }
    case 'receipt':
      if (!Array.isArray(p.ids) || p.ids.length > 1000 || !p.ids.every(id => typeof id === 'string' && /^[0-9a-f]{64}$/.test(id))) throw new MalformedFrameError('bad receipt')
      return { k: 'receipt', ids: p.ids as string[] }
    default:
      throw new MalformedFrameError('unknown payload kind')
  }
}

/**
 * Checks a file attachment's shape (the file layer checks the CID and key
 * themselves when the file is fetched).
 *
 * @throws {MalformedFrameError}
 */
export function parseAttachment (value: unknown): FileAttachment {
  const f = value as Record<string, unknown>
  if (typeof f !== 'object' || f == null || Array.isArray(f)) throw new MalformedFrameError('bad file')
  if (typeof f.cid !== 'string' || !/^b[a-z2-7]{40,120}$/.test(f.cid)) throw new MalformedFrameError('bad file CID')
  if (typeof f.key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(f.key)) throw new MalformedFrameError('bad file key')
  if (typeof f.name !== 'string' || f.name === '' || utf8.encode(f.name).byteLength > MAX_FILE_NAME_BYTES) throw new MalformedFrameError('bad file name')
  if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) throw new MalformedFrameError('bad file size')
  if (typeof f.type !== 'string' || f.type.length > MAX_FILE_TYPE_LENGTH) throw new MalformedFrameError('bad file type')
  return { cid: f.cid, key: f.key, name: f.name, size: f.size, type: f.type }
}

/** Proof that `peerId` holds the room key (sent with sync requests). */
export async function membershipProof (keys: RoomKeys, topic: string, peerId: string): Promise<string> {
  return toBase64url(new Uint8Array(await crypto.subtle.sign('HMAC', keys.membership, utf8.encode(`${topic}\n${peerId}`) as Uint8Array<ArrayBuffer>)))
}

export async function verifyMembershipProof (keys: RoomKeys, topic: string, peerId: string, proof: string): Promise<boolean> {
  const bytes = fromBase64url(proof)
  if (bytes == null) return false
  return crypto.subtle.verify('HMAC', keys.membership, bytes as Uint8Array<ArrayBuffer>, utf8.encode(`${topic}\n${peerId}`) as Uint8Array<ArrayBuffer>)
}
