import { promisifyRequest } from 'idb-keyval'
import { TypedEventEmitter } from 'main-event'
import { isQuotaExceeded, StorageFullError } from '../files/index.js'
import { openIdbStore, type StoreEvents } from '../storage/idb.js'
import { StorageUnavailableError } from './errors.js'
import type { KeyStore } from './key-store.js'

/** IndexedDB key under which the identity is stored (idb-keyval's default store). */
export const IDENTITY_DB_KEY = 'peerlink:identity:v1'
/** idb-keyval's default database and object store, where identities have always been stored. */
const DB_NAME = 'keyval-store'
const DB_STORE = 'keyval'

/**
 * Persists the identity key in the browser's IndexedDB.
 *
 * Every method throws {@link StorageUnavailableError} when IndexedDB is
 * missing or cannot be opened, and the writing ones {@link StorageFullError}
 * when the browser refuses to store more. A connection the browser closed
 * (its site data was cleared while the page ran) is opened again, and
 * `store:cleared` says the key may be gone (see IdbStore).
 */
export class IdbKeyStore extends TypedEventEmitter<StoreEvents> implements KeyStore {
  #store?: ReturnType<typeof openIdbStore>

  constructor (private readonly key: string = IDENTITY_DB_KEY) {
    super()
  }

  async get (): Promise<Uint8Array | undefined> {
    const value: unknown = await this.#run('readonly', async (store) => promisifyRequest(store.get(this.key)))
    return value instanceof Uint8Array ? value : undefined
  }

  async set (bytes: Uint8Array): Promise<void> {
    await this.#run('readwrite', async (store) => {
      store.put(bytes, this.key)
      await promisifyRequest(store.transaction)
    })
  }

  /**
   * Stores `bytes` unless a key is stored, in one transaction (read and write
   * are issued at once, so it can complete while the page unloads), and
   * returns the key that was stored before, if any.
   */
  async setIfAbsent (bytes: Uint8Array): Promise<Uint8Array | undefined> {
    return this.#run('readwrite', async (store) => {
      const request = store.get(this.key)
      const before = await new Promise<unknown>((resolve, reject) => {
        request.onsuccess = () => {
          if (request.result == null) store.put(bytes, this.key)
          resolve(request.result)
        }
        request.onerror = () => { reject(request.error) }
      })
      await promisifyRequest(store.transaction)
      return before instanceof Uint8Array ? before : undefined
    })
  }

  /** Runs `operation` on the object store. */
  async #run<T> (mode: IDBTransactionMode, operation: (store: IDBObjectStore) => Promise<T>): Promise<T> {
    if (typeof indexedDB === 'undefined' || indexedDB == null) {
      throw new StorageUnavailableError('this browser offers no IndexedDB to store the identity in')
    }
    try {
      this.#store ??= openIdbStore(DB_NAME, DB_STORE, this)
      return await this.#store(mode, operation)
    } catch (err) {
      if (isQuotaExceeded(err)) throw new StorageFullError('Storage is full: the browser refused to store the identity', { cause: err })
      const what = err instanceof Error ? `${err.name}${err.message === '' ? '' : `: ${err.message}`}` : String(err)
      throw new StorageUnavailableError(`this browser does not let the site use IndexedDB (${what})`, { cause: err })
    }
  }
}
