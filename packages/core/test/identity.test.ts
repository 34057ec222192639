import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { InvalidIdentityError } from '../src/errors.js'
import { exportIdentity, identityFileName, importIdentity, loadOrCreateIdentity, parseIdentityFile } from '../src/identity/identity.js'
import { MemoryKeyStore } from '../src/identity/key-store.js'

const text = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))

describe('identity', () => {
  it('creates an Ed25519 key once and returns the same one afterwards', async () => {
    const store = new MemoryKeyStore()
    const first = await loadOrCreateIdentity(store)
    const second = await loadOrCreateIdentity(store)
    expect(first.type).toBe('Ed25519')
    expect(peerIdFromPrivateKey(second).equals(peerIdFromPrivateKey(first))).toBe(true)
  })

  it('refuses a corrupt stored key and leaves it in place', async () => {
    const store = new MemoryKeyStore()
    await store.set(new Uint8Array([1, 2, 3]))
    await expect(loadOrCreateIdentity(store)).rejects.toThrow(InvalidIdentityError)
    expect(await store.get()).toEqual(new Uint8Array([1, 2, 3]))
  })

  it('round-trips through an identity file', async () => {
    const key = await generateKeyPair('Ed25519')
    const file = exportIdentity(key)
    const parsed = parseIdentityFile(file)
    expect(peerIdFromPrivateKey(parsed).equals(peerIdFromPrivateKey(key))).toBe(true)
    expect(identityFileName(key)).toMatch(/^peerlink-identity-\w{8}\.json$/)
  })

  it('replaces the stored identity on import', async () => {
    const store = new MemoryKeyStore()
    const old = await loadOrCreateIdentity(store)
    const imported = await generateKeyPair('Ed25519')
    await importIdentity(store, exportIdentity(imported))
    const now = await loadOrCreateIdentity(store)
    expect(peerIdFromPrivateKey(now).equals(peerIdFromPrivateKey(imported))).toBe(true)
    expect(peerIdFromPrivateKey(now).equals(peerIdFromPrivateKey(old))).toBe(false)
  })

  it('leaves the stored identity alone when an import fails', async () => {
    const store = new MemoryKeyStore()
    const old = await loadOrCreateIdentity(store)
    await expect(importIdentity(store, text('nope'))).rejects.toThrow(InvalidIdentityError)
    expect(peerIdFromPrivateKey(await loadOrCreateIdentity(store)).equals(peerIdFromPrivateKey(old))).toBe(true)
  })

  it('rejects malformed identity files, saying what is wrong', async () => {
    const key = await generateKeyPair('Ed25519')
    const good = JSON.parse(new TextDecoder().decode(exportIdentity(key))) as Record<string, unknown>
    const other = await generateKeyPair('Ed25519')
    const secp = await generateKeyPair('secp256k1')
    const cases: Array<[Uint8Array, string]> = [
      [text('not json'), 'it is not JSON'],
      [new Uint8Array([0xff, 0xfe, 0x00]), 'it is not JSON'],
      [text({ hello: 'world' }), 'not a Peerlink identity file'],
      [text({ ...good, version: 2 }), 'unsupported identity file version 2'],
      [text({ ...good, privateKey: undefined }), 'has no private key'],
      [text({ ...good, privateKey: 'AAAA' }), 'is not a valid private key'],
      [text({ ...good, peerId: peerIdFromPrivateKey(other).toString() }), 'PeerId does not match'],
      [text({ ...good, peerId: undefined, privateKey: Buffer.from(privateKeyToProtobuf(secp)).toString('base64') }), 'is a secp256k1 key'],
      [new Uint8Array(17 * 1024), 'too large']
    ]
    for (const [bytes, message] of cases) {
      expect(() => parseIdentityFile(bytes), message).toThrow(message)
    }
  })
})
