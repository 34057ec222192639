import { FILE_KEY_BYTES } from './constants.js'
import { InvalidFileLinkError } from './errors.js'

/** Keys derived from a file link's key with HKDF-SHA256, one per purpose. */
export interface FileKeys {
  /** Encrypts the content segments (AES-256-GCM, STREAM nonces). */
  content: CryptoKey
  /** Encrypts the manifest (AES-256-GCM). */
  manifest: CryptoKey
  /** Derives the manifest's synthetic nonce from its plaintext (HMAC-SHA256). */
  manifestNonce: CryptoKey
}

const SALT = new TextEncoder().encode('peerlink/file/v1')

/** A new random link key. Never encrypt two different files with one key. */
export function createFileKey (): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(FILE_KEY_BYTES))
}

/**
 * @throws {InvalidFileLinkError} if the key is not FILE_KEY_BYTES long
 */
export async function deriveFileKeys (linkKey: Uint8Array): Promise<FileKeys> {
  if (!(linkKey instanceof Uint8Array) || linkKey.byteLength !== FILE_KEY_BYTES) {
    throw new InvalidFileLinkError(`a file key is ${FILE_KEY_BYTES} bytes`)
  }
  const ikm = await crypto.subtle.importKey('raw', linkKey as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveKey'])
  const derive = async (info: string, algorithm: AesKeyGenParams | HmacKeyGenParams, usages: KeyUsage[]): Promise<CryptoKey> =>
    crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: new TextEncoder().encode(info) }, ikm, algorithm, false, usages)
  return {
    content: await derive('content', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
    manifest: await derive('manifest', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']),
    manifestNonce: await derive('manifest-nonce', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign'])
  }
}
