/**
 * One IndexedDB object store that outlives its database being closed by the
 * browser, which happens when the site's data is cleared while the app runs
 * ("Clear site data", DevTools, storage pressure). Measured in Chromium: every
 * open connection gets a `close` event (before the clear is done); a
 * transaction started on it afterwards throws InvalidStateError ("The database
 * connection is closing"), and the transactions in flight fail with an
 * AbortError, an UnknownError ("Force close delete origin") or no error at
 * all. An `open` issued from the `close` event fails as well ("AbortError:
 * The connection was closed"); one 200 ms later creates the database anew,
 * empty.
 *
 * An {@link IdbStore} opens its database again at once when the browser
 * closes it, says so with `store:cleared` when the database had been deleted
 * (the reopen had to create it), and runs an operation that failed because
 * its connection closed once more on the new one (so a write in flight during
 * the clear lands in the new database instead of being lost). The stores of
 * every service (files, transfers, rooms, direct messages, the identity) use
 * it; `run` has idb-keyval's `UseStore` shape, so idb-keyval's helpers take it.
 */
import { logger } from '@libp2p/logger'
import { TypedEventEmitter, type TypedEventTarget } from 'main-event'

const log = logger('peerlink:storage')

/** What `store:cleared` says: the database the browser deleted (opened again, empty). */
export interface StoreCleared {
  database: string
}

export interface StoreEvents {
  /** The browser deleted the store's database while the app ran (site data cleared); it is open again, empty. */
  'store:cleared': CustomEvent<StoreCleared>
}

/** A store that may say its data was cleared (the IndexedDB ones do; memory stores never are). */
export type ClearableStore = Pick<TypedEventTarget<StoreEvents>, 'addEventListener' | 'removeEventListener'>

/**
 * Calls `listener` whenever `store` says its data was cleared, if it can say so.
 * Returns the function that stops listening.
 */
export function onStoreCleared (store: object, listener: (cleared: StoreCleared) => void): () => void {
  if (!isClearable(store)) return () => {}
  const handler = (evt: CustomEvent<StoreCleared>): void => { listener(evt.detail) }
  store.addEventListener('store:cleared', handler)
  return () => { store.removeEventListener('store:cleared', handler) }
}

/**
 * The `run` of a new {@link IdbStore} (idb-keyval's `UseStore`) whose
 * `store:cleared` events `owner` dispatches as its own.
 */
export function openIdbStore (database: string, storeName: string, owner: Pick<TypedEventEmitter<StoreEvents>, 'safeDispatchEvent'>): IdbStore['run'] {
  const idb = new IdbStore(database, storeName)
  idb.addEventListener('store:cleared', evt => owner.safeDispatchEvent('store:cleared', { detail: evt.detail }))
  return idb.run
}

/**
 * What a service does when its stores say they were cleared, as one function
 * to call on each `store:cleared`: a clear closes every database at once, so
 * the calls come in a burst. `task` runs at once; calls while it runs make it
 * run once more after it (never two at a time).
 */
export function afterClears (task: () => Promise<void>, onError: (err: unknown) => void): () => void {
  let running = false
  let again = false
  const run = async (): Promise<void> => {
    running = true
    try {
      do {
        again = false
        await task().catch(onError)
      } while (again)
    } finally {
      running = false
    }
  }
  return () => {
    if (running) again = true
    else void run()
  }
}

function isClearable (store: object): store is ClearableStore {
  return typeof (store as Partial<ClearableStore>).addEventListener === 'function' &&
    typeof (store as Partial<ClearableStore>).removeEventListener === 'function'
}

/**
 * How long an operation that failed with an abort waits for its connection's
 * `close` event: in Chromium, the transactions in flight fail before it.
 */
const CLOSE_WAIT_MS = 1_000

/** Tries at opening the database again after the browser closed it (an open during the clear may fail), and the wait between them. */
const REOPEN_TRIES = 5
const REOPEN_WAIT_MS = 200

/** A connection and its `close` event. */
interface Opened {
  db: IDBDatabase
  closed: Promise<void>
}

export class IdbStore extends TypedEventEmitter<StoreEvents> {
  #opening?: Promise<Opened>
  /** The connection `#opening` resolved to. */
  #current?: Opened
  /** Connections the browser closed. */
  readonly #closed = new WeakSet<IDBDatabase>()
  /** Connections' `close` events, awaited by operations that failed on them. */
  readonly #closing = new WeakMap<IDBDatabase, () => void>()
  /** The browser closed a connection and none was opened since: the next open tells whether the data went. */
  #reopening = false

  constructor (readonly database: string, readonly storeName: string) {
    super()
  }

  /**
   * Runs `operation` in a transaction on the object store (idb-keyval's
   * `UseStore`). When it fails because the browser closed the connection, it
   * runs once more on a new one.
   */
  readonly run = async <T>(mode: IDBTransactionMode, operation: (store: IDBObjectStore) => T | PromiseLike<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      const { db, closed } = await this.#connection()
      try {
        return await operation(db.transaction(this.storeName, mode).objectStore(this.storeName))
      } catch (err) {
        if (attempt > 0 || !(await this.#lost(db, closed, err))) throw err
        log('%s: the connection closed under an operation (%s), running it again on a new one', this.database, describe(err))
      }
    }
  }

  async #connection (): Promise<Opened> {
    this.#opening ??= this.#open()
    try {
      return await this.#opening
    } catch (err) {
      this.#opening = undefined // the next operation tries again
      throw err
    }
  }

  /** Opens the database, and says `store:cleared` when it had to be created after the browser closed a connection. */
  async #open (): Promise<Opened> {
    const request = indexedDB.open(this.database)
    let created = false
    request.onupgradeneeded = (event) => {
      created = event.oldVersion === 0
      if (!request.result.objectStoreNames.contains(this.storeName)) request.result.createObjectStore(this.storeName)
    }
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error(`opening ${this.database} failed`)) }
      request.onblocked = () => { log('%s: opening is blocked by another connection', this.database) }
    })
    const closed = new Promise<void>(resolve => { this.#closing.set(db, resolve) })
    db.addEventListener('close', () => { this.#onClose(db) })
    const opened = { db, closed }
    this.#current = opened
    if (this.#reopening) {
      this.#reopening = false
      if (created) {
        log('%s: its data was cleared', this.database)
        this.safeDispatchEvent('store:cleared', { detail: { database: this.database } })
      }
    }
    return opened
  }

  /** The browser closed the connection: open the database again now, and say so if it had been deleted. */
  #onClose (db: IDBDatabase): void {
    if (this.#closed.has(db)) return
    this.#closed.add(db)
    this.#closing.get(db)?.()
    log('%s: the browser closed the connection, opening it again', this.database)
    if (this.#current?.db === db) {
      this.#current = undefined
      this.#opening = undefined
    }
    this.#reopening = true
    void this.#reopen()
  }

  /** Opens the database again (an open while the browser is still deleting it may fail: tried again a few times). */
  async #reopen (): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#connection()
        return
      } catch (err) {
        if (attempt >= REOPEN_TRIES) {
          log.error('%s: opening it again failed: %e', this.database, err)
          return
        }
        log('%s: opening it again failed (%s), trying again', this.database, describe(err))
        await new Promise(resolve => setTimeout(resolve, REOPEN_WAIT_MS * attempt))
      }
    }
  }

  /**
   * Whether `err` came from `db` being closed by the browser. A transaction
   * started on a closing connection throws InvalidStateError before its
   * `close` event; one in flight fails with an abort before the event is
   * dispatched (measured in Chromium), so the event is waited for a moment.
   */
  async #lost (db: IDBDatabase, closed: Promise<void>, err: unknown): Promise<boolean> {
    if (this.#closed.has(db)) return true
    const name = (err as { name?: unknown } | null | undefined)?.name
    if (name === 'InvalidStateError') {
      db.close() // closing already, or (an InvalidStateError of another kind) replaced by the new one
      this.#onClose(db)
      return true
    }
    if (err != null && name !== 'AbortError' && name !== 'UnknownError') return false
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([closed, new Promise(resolve => { timer = setTimeout(resolve, CLOSE_WAIT_MS) })])
    clearTimeout(timer)
    return this.#closed.has(db)
  }
}

function describe (err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err)
}
