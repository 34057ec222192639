import 'fake-indexeddb/auto'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { StorageFullError } from '../src/files/errors.js'
import { StorageUnavailableError } from '../src/identity/errors.js'
import { del } from 'idb-keyval'
import { IDENTITY_DB_KEY, IdbKeyStore } from '../src/identity/idb-key-store.js'
import { openIdentity } from '../src/identity/identity.js'
import { IdentityKeeper } from '../src/identity/keeper.js'
import { MemoryKeyStore } from '../src/identity/key-store.js'

const peerIdOf = (key: Parameters<typeof peerIdFromPrivateKey>[0]): string => peerIdFromPrivateKey(key).toString()

describe('an IndexedDB the browser does not allow', () => {
  // first in this file: idb-keyval keeps its database once opened
  it('fails with StorageUnavailableError when opening IndexedDB fails, as in a private window', async () => {
    const open = IDBFactory.prototype.open
    IDBFactory.prototype.open = function () { throw new DOMException('The user denied permission to access the database.', 'SecurityError') }
    try {
      const err = await new IdbKeyStore().get().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StorageUnavailableError)
      expect((err as Error).name).toBe('StorageUnavailableError')
      expect((err as Error).message).toContain('SecurityError')
      await expect(openIdentity(new IdbKeyStore())).rejects.toThrow(StorageUnavailableError)
    } finally {
      IDBFactory.prototype.open = open
    }
  })

  it('fails with StorageUnavailableError when the browser has no IndexedDB', async () => {
    const idb = globalThis.indexedDB
    Object.defineProperty(globalThis, 'indexedDB', { value: undefined, configurable: true, writable: true })
    try {
      await expect(new IdbKeyStore().set(new Uint8Array([1]))).rejects.toThrow(StorageUnavailableError)
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', { value: idb, configurable: true, writable: true })
    }
  })

  it('says the storage is full when the browser refuses to store the key', async () => {
    const put = IDBObjectStore.prototype.put
    IDBObjectStore.prototype.put = function () { throw new DOMException('', 'QuotaExceededError') }
    try {
      await expect(new IdbKeyStore('peerlink:identity:test-full').set(new Uint8Array([1]))).rejects.toThrow(StorageFullError)
    } finally {
      IDBObjectStore.prototype.put = put
    }
  })

  it('stores and reads a key once IndexedDB works', async () => {
    const store = new IdbKeyStore('peerlink:identity:test')
    const first = await openIdentity(store)
    expect(first.created).toBe(true)
    const again = await openIdentity(store)
    expect(again.created).toBe(false)
    expect(peerIdOf(again.key)).toBe(peerIdOf(first.key))
  })

  it('writes a key only when none is stored, in one step, and says what was stored', async () => {
    const store = new IdbKeyStore('peerlink:identity:test-if-absent')
    expect(await store.setIfAbsent(new Uint8Array([1, 2]))).toBeUndefined()
    expect(await store.get()).toEqual(new Uint8Array([1, 2]))
    // tried: a second key while one is stored: the stored one stays
    expect(await store.setIfAbsent(new Uint8Array([3]))).toEqual(new Uint8Array([1, 2]))
    expect(await store.get()).toEqual(new Uint8Array([1, 2]))
  })

  it('opens the database again when the browser closed it (site data cleared while the page runs), and the keeper restores the key', async () => {
    const store = new IdbKeyStore()
    const { key } = await openIdentity(store)
    const keeper = new IdentityKeeper(store, key)
    expect(await keeper.check()).toBe('kept')
    // a clear closes the page's connections (the next transaction on one throws) and removes the data (here: the key,
    // from another connection; deleting the database would wait for the page's connection, which only a browser closes)
    await del(IDENTITY_DB_KEY)
    const transaction = IDBDatabase.prototype.transaction
    let closed = 0
    IDBDatabase.prototype.transaction = function (...args: Parameters<typeof transaction>) {
      if (closed++ === 0) throw new DOMException('The database connection is closing.', 'InvalidStateError')
      return transaction.apply(this, args)
    }
    try {
      expect(await keeper.check()).toBe('restored')
      expect(closed).toBe(2)
    } finally {
      IDBDatabase.prototype.transaction = transaction
    }
    const reopened = await openIdentity(new IdbKeyStore())
    expect(reopened.created).toBe(false)
    expect(peerIdOf(reopened.key)).toBe(peerIdOf(key))
  })
})

describe('keeping the running identity stored', () => {
  it('writes the running key back when the stored one is gone, and leaves another key alone', async () => {
    const store = new MemoryKeyStore()
    const { key } = await openIdentity(store)
    const keeper = new IdentityKeeper(store, key)
    expect(await keeper.check()).toBe('kept')

    // site data cleared while the app runs
    Object.assign(store, { bytes: undefined })
    expect(await store.get()).toBeUndefined()
    expect(await keeper.check()).toBe('restored')
    expect(await store.get()).toEqual(privateKeyToProtobuf(key))
    const reopened = await openIdentity(store)
    expect(reopened.created).toBe(false)
    expect(peerIdOf(reopened.key)).toBe(peerIdOf(key))

    // another identity imported (in this tab or another): not overwritten
    const imported = privateKeyToProtobuf(await generateKeyPair('Ed25519'))
    await store.set(imported)
    expect(await keeper.check()).toBe('replaced')
    expect(await store.get()).toEqual(imported)
  })

  it('without the keeper, a cleared store gives a new identity, and says it is new', async () => {
    const store = new MemoryKeyStore()
    const first = await openIdentity(store)
    Object.assign(store, { bytes: undefined })
    const second = await openIdentity(store)
    expect(second.created).toBe(true)
    expect(peerIdOf(second.key)).not.toBe(peerIdOf(first.key))
  })
})
