/**
 * Direct messages in the browser's IndexedDB, so conversations and the
 * outbox survive reloads. One object store, keyed `[peerId, id]`, so a
 * conversation is one key range.
 *
 * Records are structured clones of {@link DmRecord}, the same since dm/1.0.0:
 * the sealed copy of a queued message holds the seal's fields, not its wire
 * encoding, and the seal construction did not change with dm/2.0.0, so a
 * message queued by an older version is sent as a dm/2.0.0 frame with the same
 * id. Every record is checked as it is read: one that is not a message is
 * skipped, a queued one without a sealed copy that matches it (it could never
 * be sent) is skipped, and a sealed copy kept with a message that is no longer
 * queued is left out; each with a log line.
 */
import { logger } from '@libp2p/logger'
import { get, promisifyRequest, set, values, type UseStore } from 'idb-keyval'
import { TypedEventEmitter } from 'main-event'
import { openIdbStore, type StoreEvents } from '../storage/idb.js'
import { isSealedMessage, sealedMessageId } from './seal.js'
import { lastPerConversation, type DmRecord, type DmStore } from './store.js'
import type { DirectMessage } from './types.js'
import type { AbortOptions } from '@libp2p/interface'

const log = logger('peerlink:dm')

/** Default IndexedDB database and object store names. */
export const DM_DB_NAME = 'peerlink-dm'
export const DM_DB_STORE = 'messages'

/** Says `store:cleared` when the browser deleted its database while the app ran (see IdbStore). */
export class IdbDmStore extends TypedEventEmitter<StoreEvents> implements DmStore {
  private readonly store: UseStore

  /** @param dbName - IndexedDB database name; tests and multiple identities may pick their own */
  constructor (dbName: string = DM_DB_NAME) {
    super()
    this.store = openIdbStore(dbName, DM_DB_STORE, this)
  }

  async put (record: DmRecord, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await set([record.message.peerId, record.message.id], record, this.store)
  }

  async get (peerId: string, id: string, options: AbortOptions = {}): Promise<DmRecord | undefined> {
    options.signal?.throwIfAborted()
    return readable([await get<unknown>([peerId, id], this.store)])[0]
  }

  async messages (peerId: string, options: AbortOptions = {}): Promise<DirectMessage[]> {
    options.signal?.throwIfAborted()
    // arrays sort after strings, so [peerId, []] is above every [peerId, id]
    const range = IDBKeyRange.bound([peerId], [peerId, []])
    const found = await this.store('readonly', async store => promisifyRequest<unknown[]>(store.getAll(range)))
    return readable(found).map(r => r.message)
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
    return readable(await values<unknown>(this.store))
  }
}

/** The records among `found` that can be used, as they can be used (see the module's comment). */
function readable (found: unknown[]): DmRecord[] {
  const records: DmRecord[] = []
  for (const value of found) {
    if (value === undefined) continue
    const record = readRecord(value)
    if (record != null) records.push(record)
  }
  return records
}

function readRecord (value: unknown): DmRecord | undefined {
  if (!isRecord(value)) {
    log.error('skipped an unreadable stored direct message')
    return undefined
  }
  const { message, sealed } = value
  if (message.status !== 'queued') {
    if (sealed !== undefined) log('left out the sealed copy kept with %s message %s', message.status, message.id)
    return { message }
  }
  // the id check hashes the sealed copy (at most 64 KiB): queued messages are few
  if (!isSealedMessage(sealed) || sealed.from !== message.from || sealed.to !== message.peerId || sealed.sentAt !== message.sentAt || sealedMessageId(sealed) !== message.id) {
    log.error('skipped queued direct message %s to %s: its sealed copy is missing or does not match it, so it cannot be sent', message.id, message.peerId)
    return undefined
  }
  return { message, sealed }
}

function isRecord (value: unknown): value is DmRecord {
  const message = (value as Partial<DmRecord> | undefined)?.message
  return typeof message === 'object' && message != null &&
    typeof message.id === 'string' && typeof message.peerId === 'string' &&
    typeof message.from === 'string' && typeof message.to === 'string' &&
    typeof message.text === 'string' && typeof message.sentAt === 'number' && typeof message.own === 'boolean' &&
    (message.status === 'queued' || message.status === 'delivered' || message.status === 'received')
}
