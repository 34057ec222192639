/**
 * Direct messages in the browser's IndexedDB, so conversations and the
 * outbox survive reloads. One object store, keyed `[peerId, id]`, so a
 * conversation is one key range.
 */
import { logger } from '@libp2p/logger'
import { createStore, get, promisifyRequest, set, values, type UseStore } from 'idb-keyval'
import { lastPerConversation, type DmRecord, type DmStore } from './store.js'
import type { DirectMessage } from './types.js'
import type { AbortOptions } from '@libp2p/interface'

const log = logger('peerlink:dm')

/** Default IndexedDB database and object store names. */
export const DM_DB_NAME = 'peerlink-dm'
export const DM_DB_STORE = 'messages'

export class IdbDmStore implements DmStore {
  private readonly store: UseStore

  /** @param dbName - IndexedDB database name; tests and multiple identities may pick their own */
  constructor (dbName: string = DM_DB_NAME) {
    this.store = createStore(dbName, DM_DB_STORE)
  }

  async put (record: DmRecord, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await set([record.message.peerId, record.message.id], record, this.store)
  }

  async get (peerId: string, id: string, options: AbortOptions = {}): Promise<DmRecord | undefined> {
    options.signal?.throwIfAborted()
    const value: unknown = await get([peerId, id], this.store)
    return isRecord(value) ? value : undefined
  }

  async messages (peerId: string, options: AbortOptions = {}): Promise<DirectMessage[]> {
    options.signal?.throwIfAborted()
    // arrays sort after strings, so [peerId, []] is above every [peerId, id]
    const range = IDBKeyRange.bound([peerId], [peerId, []])
    const found = await this.store('readonly', async store => promisifyRequest<unknown[]>(store.getAll(range)))
    return valid(found).map(r => r.message)
  }

  async lastMessages (options: AbortOptions = {}): Promise<DirectMessage[]> {
    return lastPerConversation((await this.all(options)).map(r => r.message))
  }

  async outbox (options: AbortOptions = {}): Promise<DmRecord[]> {
    return (await this.all(options)).filter(r => r.message.status === 'queued')
  }

  /** Every record. Conversations are small enough for a scan (done on start and for the conversation list). */
  private async all (options: AbortOptions): Promise<DmRecord[]> {
    options.signal?.throwIfAborted()
    return valid(await values<unknown>(this.store))
  }
}

function valid (found: unknown[]): DmRecord[] {
  const records = found.filter(isRecord)
  if (records.length !== found.length) log.error('skipped %d unreadable stored direct messages', found.length - records.length)
  return records
}

function isRecord (value: unknown): value is DmRecord {
  const message = (value as Partial<DmRecord> | undefined)?.message
  return typeof message === 'object' && message != null &&
    typeof message.id === 'string' && typeof message.peerId === 'string' &&
    typeof message.text === 'string' && typeof message.sentAt === 'number' &&
    (message.status === 'queued' || message.status === 'delivered' || message.status === 'received')
}
