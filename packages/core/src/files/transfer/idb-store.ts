import { del, get, set, values, type UseStore } from 'idb-keyval'
import { TypedEventEmitter } from 'main-event'
import { openIdbStore, type StoreEvents } from '../../storage/idb.js'
import type { TransferRecord, TransferStore } from './store.js'
import type { AbortOptions } from '@libp2p/interface'

/** Default IndexedDB database and object store of transfer records. */
export const TRANSFERS_DB_NAME = 'peerlink-transfers'
export const TRANSFERS_DB_STORE = 'transfers'

/**
 * Transfer records in IndexedDB, keyed by root CID (readable by the service
 * worker too). Says `store:cleared` when the browser deleted its database
 * while the app ran (see IdbStore).
 */
export class IdbTransferStore extends TypedEventEmitter<StoreEvents> implements TransferStore {
  private readonly store: UseStore

  constructor (dbName: string = TRANSFERS_DB_NAME) {
    super()
    this.store = openIdbStore(dbName, TRANSFERS_DB_STORE, this)
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
