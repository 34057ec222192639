/**
 * Streaming AEAD (the STREAM construction over AES-256-GCM, via WebCrypto):
 * the plaintext is cut into SEGMENT_SIZE segments, each encrypted on its own
 * with a nonce made of its index and a last-segment flag, which are also
 * bound as additional data. Reordered, dropped, duplicated or truncated
 * segments therefore fail to decrypt, and so does a stream whose real last
 * segment was cut off. The key is per file (HKDF from the link key), so
 * index-derived nonces never repeat under one key as long as a link key
 * encrypts a single file.
 */
import { MAX_FILE_SIZE, SEGMENT_SIZE, TAG_BYTES } from './constants.js'
import { DecryptError, FileTooLargeError } from './errors.js'
import type { AbortOptions } from '@libp2p/interface'

const AAD_PREFIX = new TextEncoder().encode('peerlink/file/v1/segment')

/** One plaintext segment of a stream. */
export interface PlainSegment {
  index: number
  /** Whether this is the stream's final segment. */
  last: boolean
  bytes: Uint8Array
}

/** 96-bit nonce: 3 zero bytes, the index as a 64-bit big-endian integer, then 1 if last else 0. */
export function segmentNonce (index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12)
  const view = new DataView(nonce.buffer)
  view.setBigUint64(3, BigInt(index))
  nonce[11] = last ? 1 : 0
  return nonce
}

function segmentAad (index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const aad = new Uint8Array(AAD_PREFIX.byteLength + 9)
  aad.set(AAD_PREFIX)
  new DataView(aad.buffer).setBigUint64(AAD_PREFIX.byteLength, BigInt(index))
  aad[aad.byteLength - 1] = last ? 1 : 0
  return aad
}

function checkIndex (index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad segment index ${index}`)
}

export async function encryptSegment (key: CryptoKey, index: number, last: boolean, plaintext: Uint8Array): Promise<Uint8Array> {
  checkIndex(index)
  if (plaintext.byteLength > SEGMENT_SIZE) throw new RangeError(`a segment holds at most ${SEGMENT_SIZE} bytes`)
  return new Uint8Array(await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: segmentNonce(index, last), additionalData: segmentAad(index, last) },
    key,
    plaintext as Uint8Array<ArrayBuffer>
  ))
}

/**
 * @throws {DecryptError} if the segment is not segment `index` (with this last flag) of a stream under `key`
 */
export async function decryptSegment (key: CryptoKey, index: number, last: boolean, ciphertext: Uint8Array): Promise<Uint8Array> {
  checkIndex(index)
  if (ciphertext.byteLength < TAG_BYTES || ciphertext.byteLength > SEGMENT_SIZE + TAG_BYTES) {
    throw new DecryptError(`segment ${index} has an impossible length (${ciphertext.byteLength} bytes)`)
  }
  try {
    return new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: segmentNonce(index, last), additionalData: segmentAad(index, last) },
      key,
      ciphertext as Uint8Array<ArrayBuffer>
    ))
  } catch {
    throw new DecryptError(`segment ${index}${last ? ' (last)' : ''} does not decrypt with this key: wrong key, or altered, moved or truncated`)
  }
}

/**
 * Cuts a byte stream into SEGMENT_SIZE segments and flags the last one. An
 * empty source gives one empty last segment. Holds at most two segments (one
 * filling, one waiting to learn whether it is the last); input chunks are
 * copied, so sources may reuse their buffers.
 *
 * @throws {FileTooLargeError} once more than MAX_FILE_SIZE bytes were read
 */
export async function * segmentStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: AbortOptions = {}): AsyncGenerator<PlainSegment> {
  let index = 0
  let total = 0
  let buffer = new Uint8Array(SEGMENT_SIZE)
  let filled = 0
  let full: Uint8Array | undefined
  for await (const chunk of source) {
    options.signal?.throwIfAborted()
    if (!(chunk instanceof Uint8Array)) throw new TypeError('file content must be a stream of Uint8Arrays')
    total += chunk.byteLength
    if (total > MAX_FILE_SIZE) throw new FileTooLargeError(`files are limited to ${MAX_FILE_SIZE} bytes`)
    let offset = 0
    while (offset < chunk.byteLength) {
      if (full != null) {
        yield { index: index++, last: false, bytes: full }
        full = undefined
      }
      const n = Math.min(SEGMENT_SIZE - filled, chunk.byteLength - offset)
      buffer.set(chunk.subarray(offset, offset + n), filled)
      filled += n
      offset += n
      if (filled === SEGMENT_SIZE) {
        full = buffer
        buffer = new Uint8Array(SEGMENT_SIZE)
        filled = 0
      }
    }
  }
  options.signal?.throwIfAborted()
  if (full != null) {
    yield { index, last: true, bytes: full }
    return
  }
  yield { index, last: true, bytes: buffer.subarray(0, filled) }
}

/** Encrypts a byte stream segment by segment: one ciphertext (SEGMENT_SIZE + TAG_BYTES at most) per segment. */
export async function * encryptStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, key: CryptoKey, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  for await (const segment of segmentStream(source, options)) {
    yield await encryptSegment(key, segment.index, segment.last, segment.bytes)
  }
}

/**
 * Decrypts a stream of whole ciphertext segments, in order. The stream must
 * end with its last segment: a stream cut short throws.
 *
 * @throws {DecryptError}
 */
export async function * decryptStream (source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, key: CryptoKey, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  let index = 0
  let pending: Uint8Array | undefined
  for await (const ciphertext of source) {
    options.signal?.throwIfAborted()
    if (pending != null) yield await decryptSegment(key, index++, false, pending)
    pending = ciphertext
  }
  if (pending == null) throw new DecryptError('the stream has no segment')
  yield await decryptSegment(key, index, true, pending)
}
