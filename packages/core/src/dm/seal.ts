/**
 * Sealing a direct message to its recipient, so that a copy kept or forwarded
 * by anyone else stays private and cannot be altered or forged.
 *
 * - Confidentiality: a fresh ephemeral X25519 key agrees a secret with the
 *   recipient's X25519 key (derived from the Ed25519 key inside its PeerId);
 *   HKDF-SHA256 turns it into an AES-256-GCM key. The header (context, from,
 *   to, sentAt, ephemeral key) is the HKDF info and the AEAD's associated data.
 * - Authenticity: the sender's Ed25519 identity key signs the header, nonce and
 *   ciphertext. The id is the SHA-256 of exactly those signed bytes, so the
 *   signature binds from, to, sentAt and id.
 *
 * The signed bytes do not depend on the wire encoding (PeerIds enter them as
 * their base58btc strings, sentAt as decimal digits): the construction is the
 * same in dm/1.0.0 and dm/2.0.0, and docs/protocols.md specifies it.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { InvalidIdentityError } from '../errors.js'
import { DM_SEAL_CONTEXT, MAX_DM_TEXT_BYTES } from './constants.js'
import { DmDecryptError, DmEmptyError, DmMalformedError, DmSenderMismatchError, DmSignatureError, DmTooLargeError, DmWrongRecipientError } from './errors.js'
import type { AbortOptions, PrivateKey, PublicKey } from '@libp2p/interface'

export const EPK_BYTES = 32
export const IV_BYTES = 12
export const SIG_BYTES = 64
/** AES-GCM authentication tag appended to the ciphertext. */
export const TAG_BYTES = 16
/** A message id: SHA-256 of the signed bytes. */
export const ID_BYTES = 32

/** A message as it travels and as the sender keeps it until acked. */
export interface SealedMessage {
  /** Sender PeerId (Ed25519). */
  from: string
  /** Recipient PeerId (Ed25519). */
  to: string
  /** Epoch ms at the sender. */
  sentAt: number
  /** The sender's ephemeral X25519 public key. */
  epk: Uint8Array
  /** AES-GCM nonce. */
  iv: Uint8Array
  /** AES-256-GCM ciphertext of the UTF-8 text, tag included. */
  ct: Uint8Array
  /** Ed25519 signature by `from` over the header, nonce and ciphertext. */
  sig: Uint8Array
}

/** What the recipient learns from a sealed message that checks out. */
export interface OpenedMessage {
  id: string
  from: string
  to: string
  sentAt: number
  text: string
}

export interface SealInit {
  /** The sender's identity key (Ed25519). */
  privateKey: PrivateKey
  /** Recipient PeerId. */
  to: string
  sentAt: number
  text: string
}

export interface OpenOptions extends AbortOptions {
  /**
   * The peer the message came from (the Noise-authenticated remote peer of
   * the stream). When set, `from` must equal it.
   */
  expectedSender?: string
}

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Validates a message text: non-empty, at most MAX_DM_TEXT_BYTES of UTF-8.
 *
 * @throws {DmEmptyError | DmTooLargeError}
 */
export function encodeText (text: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw new DmEmptyError('A message needs some text.')
  const bytes = encoder.encode(text)
  if (bytes.byteLength > MAX_DM_TEXT_BYTES) {
    throw new DmTooLargeError(`The message is ${bytes.byteLength} bytes; at most ${MAX_DM_TEXT_BYTES} are allowed.`)
  }
  return bytes
}

/** Seals `text` from the owner of `privateKey` to `to`. */
export async function sealMessage (init: SealInit): Promise<{ id: string, sealed: SealedMessage }> {
  assertEd25519(init.privateKey)
  const from = peerIdFromPrivateKey(init.privateKey).toString()
  const recipientX = ed25519.utils.toMontgomery(ed25519PublicKeyOf(init.to, 'recipient').raw)
  const plaintext = encodeText(init.text)
  if (!Number.isSafeInteger(init.sentAt) || init.sentAt < 0) throw new DmMalformedError('sentAt must be a non-negative integer')

  const ephemeral = x25519.keygen()
  const epk = ephemeral.publicKey
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const header = headerBytes(from, init.to, init.sentAt, epk)
  const key = await contentKey(x25519.getSharedSecret(ephemeral.secretKey, recipientX), epk, recipientX, header, ['encrypt'])
  ephemeral.secretKey.fill(0)
  const ct = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: owned(iv), additionalData: owned(header) }, key, owned(plaintext)))
  const signed = signedBytes(header, iv, ct)
  // a plain Uint8Array (Node's signer returns a Buffer)
  const sig = new Uint8Array(await init.privateKey.sign(signed))
  return {
    id: bytesToHex(sha256(signed)),
    sealed: { from, to: init.to, sentAt: init.sentAt, epk, iv, ct, sig }
  }
}

/** The bytes the sender signs: header (context, from, to, sentAt, ephemeral key), nonce and ciphertext. */
export function sealedSignedBytes (sealed: Omit<SealedMessage, 'sig'>): Uint8Array {
  return signedBytes(headerBytes(sealed.from, sealed.to, sealed.sentAt, sealed.epk), sealed.iv, sealed.ct)
}

/** The id of a sealed message: hex SHA-256 of its signed bytes. */
export function sealedMessageId (sealed: Omit<SealedMessage, 'sig'>): string {
  return bytesToHex(sha256(sealedSignedBytes(sealed)))
}

/**
 * Checks and decrypts a message sealed to the owner of `privateKey`.
 *
 * @throws {DmMalformedError} fields of the wrong size, a sender that is not an Ed25519 PeerId, text that is not UTF-8
 * @throws {DmWrongRecipientError} addressed to someone else
 * @throws {DmSenderMismatchError} `from` is not `options.expectedSender`
 * @throws {DmSignatureError} not signed by `from`
 * @throws {DmDecryptError} ciphertext altered, or sealed to another key
 */
export async function openMessage (sealed: SealedMessage, privateKey: PrivateKey, options: OpenOptions = {}): Promise<OpenedMessage> {
  checkShape(sealed)
  const me = peerIdFromPrivateKey(privateKey).toString()
  if (sealed.to !== me) throw new DmWrongRecipientError(`the message is addressed to ${sealed.to}, not to us`)
  if (options.expectedSender != null && sealed.from !== options.expectedSender) {
    throw new DmSenderMismatchError(`the message claims to be from ${sealed.from} but came from ${options.expectedSender}`)
  }
  const senderKey = ed25519PublicKeyOf(sealed.from, 'sender', DmMalformedError)
  const header = headerBytes(sealed.from, sealed.to, sealed.sentAt, sealed.epk)
  const signed = signedBytes(header, sealed.iv, sealed.ct)
  let valid: boolean
  try {
    valid = await senderKey.verify(signed, sealed.sig, options)
  } catch {
    valid = false
  }
  if (!valid) throw new DmSignatureError(`the message is not signed by ${sealed.from}`)

  const seed = ed25519Seed(privateKey)
  let plaintext: Uint8Array
  try {
    const mySecretX = ed25519.utils.toMontgomerySecret(seed)
    const myPublicX = x25519.getPublicKey(mySecretX)
    const shared = x25519.getSharedSecret(mySecretX, sealed.epk)
    mySecretX.fill(0)
    const key = await contentKey(shared, sealed.epk, myPublicX, header, ['decrypt'])
    plaintext = new Uint8Array(await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: owned(sealed.iv), additionalData: owned(header) }, key, owned(sealed.ct)))
  } catch {
    throw new DmDecryptError('the message could not be decrypted (altered, or sealed to another key)')
  } finally {
    seed.fill(0)
  }
  let text: string
  try {
    text = decoder.decode(plaintext)
  } catch {
    throw new DmMalformedError('the message text is not UTF-8')
  }
  if (text.length === 0 || plaintext.byteLength > MAX_DM_TEXT_BYTES) throw new DmMalformedError('the message text is empty or too large')
  return { id: bytesToHex(sha256(signed)), from: sealed.from, to: sealed.to, sentAt: sealed.sentAt, text }
}

function checkShape (sealed: SealedMessage): void {
  if (!isSealedMessage(sealed)) throw new DmMalformedError('the sealed message has fields of the wrong type or size')
}

/**
 * True when `value` has the fields of a sealed message, each of the right
 * type and size (whether it opens is for {@link openMessage} to say).
 */
export function isSealedMessage (value: unknown): value is SealedMessage {
  const sealed = value as Partial<SealedMessage> | null | undefined
  return typeof sealed === 'object' && sealed != null &&
    typeof sealed.from === 'string' && typeof sealed.to === 'string' &&
    Number.isSafeInteger(sealed.sentAt) && (sealed.sentAt as number) >= 0 &&
    hasBytes(sealed.epk, EPK_BYTES, EPK_BYTES) &&
    hasBytes(sealed.iv, IV_BYTES, IV_BYTES) &&
    hasBytes(sealed.ct, TAG_BYTES + 1, MAX_DM_TEXT_BYTES + TAG_BYTES) &&
    hasBytes(sealed.sig, SIG_BYTES, SIG_BYTES)
}

function hasBytes (value: unknown, min: number, max: number): boolean {
  return value instanceof Uint8Array && value.byteLength >= min && value.byteLength <= max
}

/**
 * The Ed25519 public key inside a PeerId.
 *
 * @throws {DmMalformedError} (or `ErrorClass`) when the PeerId is invalid or not Ed25519
 */
export function ed25519PublicKeyOf (peerId: string, role: string, ErrorClass: new (message: string) => Error = DmMalformedError): PublicKey {
  let key: PublicKey | undefined
  try {
    const id = peerIdFromString(peerId)
    key = id.type === 'Ed25519' ? id.publicKey : undefined
  } catch {
    key = undefined
  }
  if (key == null) throw new ErrorClass(`the ${role} "${peerId}" is not an Ed25519 PeerId`)
  return key
}

/** A copy of the 32-byte seed of an Ed25519 libp2p key (`raw` is seed || public key). */
function ed25519Seed (privateKey: PrivateKey): Uint8Array {
  assertEd25519(privateKey)
  return privateKey.raw.slice(0, 32)
}

function assertEd25519 (privateKey: PrivateKey): void {
  if (privateKey.type !== 'Ed25519' || privateKey.raw.byteLength !== 64) {
    throw new InvalidIdentityError('direct messages need an Ed25519 identity key')
  }
}

async function contentKey (shared: Uint8Array, epk: Uint8Array, recipientX: Uint8Array, info: Uint8Array, usages: KeyUsage[]): Promise<CryptoKey> {
  const ikm = await globalThis.crypto.subtle.importKey('raw', owned(shared), 'HKDF', false, ['deriveKey'])
  shared.fill(0)
  return globalThis.crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: owned(concat([epk, recipientX])), info: owned(info) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    usages
  )
}

/** Context, from, to, sentAt and ephemeral key, each length-prefixed. */
function headerBytes (from: string, to: string, sentAt: number, epk: Uint8Array): Uint8Array {
  return lengthPrefixed([encoder.encode(DM_SEAL_CONTEXT), encoder.encode(from), encoder.encode(to), encoder.encode(String(sentAt)), epk])
}

function signedBytes (header: Uint8Array, iv: Uint8Array, ct: Uint8Array): Uint8Array {
  return lengthPrefixed([header, iv, ct])
}

function lengthPrefixed (parts: Uint8Array[]): Uint8Array {
  return concat(parts.flatMap(part => {
    const length = new Uint8Array(4)
    new DataView(length.buffer).setUint32(0, part.byteLength)
    return [length, part]
  }))
}

function concat (parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** WebCrypto's types want ArrayBuffer-backed views: copy into one. */
function owned (bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes)
}
