/**
 * The manifest: what a file is (name, size, MIME type) and how it is cut
 * (segment size and count). It is JSON, padded with spaces to a multiple of
 * MANIFEST_PADDING bytes, AES-256-GCM encrypted with its own HKDF key, and
 * stored as one raw block:
 *
 *   [version: 1 byte][nonce: 12 bytes][ciphertext + 16-byte tag]
 *
 * The nonce is synthetic (HMAC of the padded plaintext), so the same file and
 * key always give the same block (and root CID), and two different manifests
 * never share a nonce even if a key were reused. Parsing is strict: anything
 * unexpected is a {@link ManifestError}.
 */
import { FILE_FORMAT_VERSION, MANIFEST_PADDING, MAX_MANIFEST_BYTES, MAX_NAME_BYTES, MAX_TYPE_LENGTH, SEGMENT_SIZE, TAG_BYTES } from './constants.js'
import { DecryptError, ManifestError } from './errors.js'
import { isValidFileSize, segmentCount } from './layout.js'
import type { FileKeys } from './keys.js'

/** A file's description, as carried (encrypted) in its manifest block. */
export interface FileManifest {
  version: typeof FILE_FORMAT_VERSION
  /** File name: no path separators, control or bidi-override characters; at most MAX_NAME_BYTES of UTF-8. */
  name: string
  /** MIME type, `''` when unknown (as in `Blob.type`). */
  type: string
  /** Plaintext size in bytes. */
  size: number
  /** Plaintext bytes per segment: SEGMENT_SIZE in version 1. */
  segmentSize: number
  /** Number of segments: `max(1, ceil(size / segmentSize))`. */
  segments: number
}

const KEYS = ['version', 'name', 'type', 'size', 'segmentSize', 'segments'].sort().join()
const HEADER_BYTES = 1 + 12
const AAD = new TextEncoder().encode(`peerlink/file/v1/manifest/${FILE_FORMAT_VERSION}`)
const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+"
const MIME_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\]*"))*$`)
const utf8 = new TextEncoder()

function isForbiddenInName (code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2f || code === 0x5c ||
    (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)
}

function isWellFormed (text: string): boolean {
  return new TextDecoder().decode(utf8.encode(text)) === text
}

function isValidName (name: unknown): name is string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..') return false
  if (!isWellFormed(name) || utf8.encode(name).byteLength > MAX_NAME_BYTES) return false
  for (let i = 0; i < name.length; i++) if (isForbiddenInName(name.charCodeAt(i))) return false
  return true
}

function isValidType (type: unknown): type is string {
  if (typeof type !== 'string') return false
  if (type === '') return true
  if (type.length > MAX_TYPE_LENGTH || !MIME_TYPE.test(type)) return false
  for (let i = 0; i < type.length; i++) if (type.charCodeAt(i) < 0x20 || type.charCodeAt(i) > 0x7e) return false
  return true
}

/**
 * Makes any name acceptable: forbidden characters become `_`, an empty name
 * becomes `file`, and a long one is cut (keeping a short extension).
 */
export function normalizeFileName (name: string): string {
  let clean = ''
  for (const char of new TextDecoder().decode(utf8.encode(name)).trim()) {
    clean += isForbiddenInName(char.codePointAt(0) ?? 0) ? '_' : char
  }
  if (clean === '' || clean === '.' || clean === '..') return 'file'
  if (utf8.encode(clean).byteLength <= MAX_NAME_BYTES) return clean
  const dot = clean.lastIndexOf('.')
  const ext = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : ''
  const chars = [...clean.slice(0, clean.length - ext.length)]
  while (chars.length > 0 && utf8.encode(chars.join('') + ext).byteLength > MAX_NAME_BYTES) chars.pop()
  return chars.join('') + ext
}

/** A valid MIME type as given (trimmed), or `''` (unknown). */
export function normalizeMimeType (type: string | undefined): string {
  const trimmed = (type ?? '').trim()
  return isValidType(trimmed) ? trimmed : ''
}

/**
 * Checks a decoded manifest value field by field.
 *
 * @throws {ManifestError} saying which field is wrong
 */
export function validateManifest (value: unknown): FileManifest {
  if (typeof value !== 'object' || value == null || Array.isArray(value)) throw new ManifestError('manifest is not an object')
  const m = value as Record<string, unknown>
  // not String(m.version): an object from JSON such as {"toString":1} cannot be made a string
  if (m.version !== FILE_FORMAT_VERSION) throw new ManifestError(`unsupported manifest version ${typeof m.version === 'number' ? m.version : typeof m.version}`)
  if (Object.keys(m).sort().join() !== KEYS) throw new ManifestError(`manifest fields must be exactly ${KEYS}`)
  if (!isValidName(m.name)) throw new ManifestError('manifest has an invalid file name')
  if (!isValidType(m.type)) throw new ManifestError('manifest has an invalid MIME type')
  if (!isValidFileSize(m.size)) throw new ManifestError('manifest has an invalid size')
  if (m.segmentSize !== SEGMENT_SIZE) throw new ManifestError(`manifest segment size must be ${SEGMENT_SIZE}`)
  if (m.segments !== segmentCount(m.size)) throw new ManifestError('manifest segment count does not match its size')
  return { version: FILE_FORMAT_VERSION, name: m.name, type: m.type, size: m.size, segmentSize: m.segmentSize, segments: m.segments }
}

/** The manifest's plaintext: JSON padded with spaces to a multiple of MANIFEST_PADDING bytes. */
export function encodeManifest (manifest: FileManifest): Uint8Array {
  const valid = validateManifest(manifest)
  const json = utf8.encode(JSON.stringify(valid))
  const padded = new Uint8Array(Math.ceil(json.byteLength / MANIFEST_PADDING) * MANIFEST_PADDING).fill(0x20)
  padded.set(json)
  return padded
}

/**
 * @throws {ManifestError} if the bytes are not UTF-8 JSON of a valid manifest
 */
export function parseManifest (bytes: Uint8Array): FileManifest {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new ManifestError('manifest is not UTF-8')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ManifestError('manifest is not JSON')
  }
  return validateManifest(value)
}

/** Encrypts a manifest into its block. */
export async function encryptManifest (keys: FileKeys, manifest: FileManifest): Promise<Uint8Array> {
  const plaintext = encodeManifest(manifest)
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', keys.manifestNonce, plaintext as Uint8Array<ArrayBuffer>))
  const nonce = mac.subarray(0, 12)
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: AAD }, keys.manifest, plaintext as Uint8Array<ArrayBuffer>))
  const block = new Uint8Array(HEADER_BYTES + ciphertext.byteLength)
  block[0] = FILE_FORMAT_VERSION
  block.set(nonce, 1)
  block.set(ciphertext, HEADER_BYTES)
  return block
}

/**
 * @throws {ManifestError} if the block is too short, too large or of another version
 * @throws {DecryptError} if it does not decrypt with these keys (wrong key or altered)
 */
export async function decryptManifest (keys: FileKeys, block: Uint8Array): Promise<FileManifest> {
  if (block.byteLength > MAX_MANIFEST_BYTES) throw new ManifestError(`manifest block is larger than ${MAX_MANIFEST_BYTES} bytes`)
  if (block.byteLength < HEADER_BYTES + TAG_BYTES) throw new ManifestError('manifest block is too short')
  if (block[0] !== FILE_FORMAT_VERSION) throw new ManifestError(`unsupported manifest block version ${block[0]}`)
  let plaintext: Uint8Array
  try {
    plaintext = new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: block.slice(1, HEADER_BYTES), additionalData: AAD },
      keys.manifest,
      block.slice(HEADER_BYTES)
    ))
  } catch {
    throw new DecryptError('manifest does not decrypt with this key: wrong key or altered')
  }
  return parseManifest(plaintext)
}
