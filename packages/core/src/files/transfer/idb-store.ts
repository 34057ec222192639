import { createStore, del, get, set, values, type UseStore } from 'idb-keyval'
import type { TransferRecord, TransferStore } from './store.js'
import type { AbortOptions } from '@libp2p/interface'

/** Default IndexedDB database and object store of transfer records. */
export const TRANSFERS_DB_NAME = 'peerlink-transfers'
export const TRANSFERS_DB_STORE = 'transfers'

/** Transfer records in IndexedDB, keyed by root CID (readable by the service worker too). */
export class IdbTransferStore implements TransferStore {
  private readonly store: UseStore

  constructor (dbName: string = TRANSFERS_DB_NAME) {
    this.store = createStore(dbName, TRANSFERS_DB_STORE)
  }

  async get (cid: string, options: AbortOptions = {}): Promise<TransferRecord | undefined> {
    options.signal?.throwIfAborted()
    return get<TransferRecord>(cid, this.store)
  }

  async put (record: TransferRecord, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await set(record.cid, record, this.store)
  }

  async delete (cid: string, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await del(cid, this.store)
  }

  async list (options: AbortOptions = {}): Promise<TransferRecord[]> {
    options.signal?.throwIfAborted()
    return (await values<TransferRecord>(this.store)).sort((a, b) => a.addedAt - b.addedAt)
  }
}
