import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { toString as uint8ArrayToString, fromString as uint8ArrayFromString } from 'uint8arrays'
import { InvalidIdentityError } from '../errors.js'
import type { KeyStore } from './key-store.js'
import type { PrivateKey } from '@libp2p/interface'

/** Format marker of an exported identity file. */
export const IDENTITY_FILE_TYPE = 'peerlink-identity'
export const IDENTITY_FILE_VERSION = 1
/** Identity files are tiny; anything larger is not one. */
const MAX_IDENTITY_FILE_BYTES = 16 * 1024

/**
 * Returns the stored Ed25519 key, creating and storing one on first use, so
 * the PeerId stays the same across reloads.
 *
 * @throws {InvalidIdentityError} when the stored bytes are not a usable key
 * (the stored key is left untouched so nothing is lost)
 */
export async function loadOrCreateIdentity (store: KeyStore): Promise<PrivateKey> {
  return (await openIdentity(store)).key
}

/** The identity a device runs as, and whether it was just created (none was stored). */
export interface OpenedIdentity {
  key: PrivateKey
  /** No identity was stored: this one is new (a first run, or the stored one was removed). */
  created: boolean
}

/**
 * Like {@link loadOrCreateIdentity}, and says whether the key is new, so an
 * app can tell its user (a new PeerId is a new identity to everyone else).
 *
 * @throws {InvalidIdentityError} as loadOrCreateIdentity, and the store's errors
 */
export async function openIdentity (store: KeyStore): Promise<OpenedIdentity> {
  const stored = await store.get()
  if (stored != null) {
    return { key: decodeKey(stored, 'the stored identity'), created: false }
  }
  const key = await generateKeyPair('Ed25519')
  await store.set(privateKeyToProtobuf(key))
  return { key, created: true }
}

/** Serialises a key as the content of an identity file (JSON, UTF-8). */
export function exportIdentity (key: PrivateKey): Uint8Array {
  const doc = {
    type: IDENTITY_FILE_TYPE,
    version: IDENTITY_FILE_VERSION,
    peerId: peerIdFromPrivateKey(key).toString(),
    privateKey: uint8ArrayToString(privateKeyToProtobuf(key), 'base64')
  }
  return uint8ArrayFromString(JSON.stringify(doc, null, 2) + '\n')
}

/** Suggested file name for an exported identity. */
export function identityFileName (key: PrivateKey): string {
  return `peerlink-identity-${peerIdFromPrivateKey(key).toString().slice(-8)}.json`
}

/**
 * Parses an identity file.
 *
 * @throws {InvalidIdentityError} naming what is wrong with the file
 */
export function parseIdentityFile (bytes: Uint8Array): PrivateKey {
  if (bytes.byteLength > MAX_IDENTITY_FILE_BYTES) {
    throw new InvalidIdentityError('not a Peerlink identity file: it is too large')
  }
  let doc: unknown
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new InvalidIdentityError('not a Peerlink identity file: it is not JSON')
  }
  if (typeof doc !== 'object' || doc == null || (doc as { type?: unknown }).type !== IDENTITY_FILE_TYPE) {
    throw new InvalidIdentityError('not a Peerlink identity file')
  }
  const { version, privateKey, peerId } = doc as { version?: unknown, privateKey?: unknown, peerId?: unknown }
  if (version !== IDENTITY_FILE_VERSION) {
    throw new InvalidIdentityError(`unsupported identity file version ${String(version)}`)
  }
  if (typeof privateKey !== 'string') {
    throw new InvalidIdentityError('the identity file has no private key')
  }
  let keyBytes: Uint8Array
  try {
    keyBytes = uint8ArrayFromString(privateKey, 'base64')
  } catch {
    throw new InvalidIdentityError('the identity file\'s private key is not base64')
  }
  const key = decodeKey(keyBytes, 'the identity file\'s private key')
  if (peerId != null && peerId !== peerIdFromPrivateKey(key).toString()) {
    throw new InvalidIdentityError('the identity file\'s PeerId does not match its private key')
  }
  return key
}

/**
 * Replaces the stored identity with an imported one. The running node keeps
 * its old identity until it is restarted.
 */
export async function importIdentity (store: KeyStore, bytes: Uint8Array): Promise<PrivateKey> {
  const key = parseIdentityFile(bytes)
  await store.set(privateKeyToProtobuf(key))
  return key
}

function decodeKey (bytes: Uint8Array, what: string): PrivateKey {
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(bytes)
  } catch {
    throw new InvalidIdentityError(`${what} is not a valid private key`)
  }
  if (key.type !== 'Ed25519') {
    throw new InvalidIdentityError(`${what} is a ${key.type} key; Peerlink identities are Ed25519`)
  }
  return key
}
