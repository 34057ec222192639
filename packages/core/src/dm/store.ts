/**
 * Where direct messages live between sessions. Browsers use IndexedDB
 * ({@link IdbDmStore}); tests and tools use {@link MemoryDmStore}.
 */
import type { SealedMessage } from './seal.js'
import type { DirectMessage } from './types.js'
import type { AbortOptions } from '@libp2p/interface'

/** A stored message, plus what is needed to (re)send it while it is queued. */
export interface DmRecord {
  message: DirectMessage
  /**
   * Our own queued message, sealed once when sent so every retry carries the
   * same bytes and id. Dropped once the peer acknowledged it.
   */
  sealed?: SealedMessage
}

export interface DmStore {
  /** Adds or replaces the record of `record.message` (keyed by its peerId and id). */
  put(record: DmRecord, options?: AbortOptions): Promise<void>
  get(peerId: string, id: string, options?: AbortOptions): Promise<DmRecord | undefined>
  /** Every message of the conversation with `peerId`, in no particular order. */
  messages(peerId: string, options?: AbortOptions): Promise<DirectMessage[]>
  /** The last message (by sentAt, then id) of every conversation, in no particular order. */
  lastMessages(options?: AbortOptions): Promise<DirectMessage[]>
  /** Our messages still waiting for the peer's ack, across all conversations. */
  outbox(options?: AbortOptions): Promise<DmRecord[]>
}

/** Orders messages by sentAt, then id (a total order both sides agree on). */
export function compareMessages (a: DirectMessage, b: DirectMessage): number {
  return a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** The last message of each conversation among `messages`. */
export function lastPerConversation (messages: Iterable<DirectMessage>): DirectMessage[] {
  const last = new Map<string, DirectMessage>()
  for (const message of messages) {
    const current = last.get(message.peerId)
    if (current == null || compareMessages(current, message) < 0) last.set(message.peerId, message)
  }
  return [...last.values()]
}

/** Keeps messages in memory: for tests, and peers that need no history. */
export class MemoryDmStore implements DmStore {
  private readonly conversations = new Map<string, Map<string, DmRecord>>()

  async put (record: DmRecord, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const { peerId, id } = record.message
    let conversation = this.conversations.get(peerId)
    if (conversation == null) {
      conversation = new Map()
      this.conversations.set(peerId, conversation)
    }
    conversation.set(id, structuredClone(record))
  }

  async get (peerId: string, id: string, options: AbortOptions = {}): Promise<DmRecord | undefined> {
    options.signal?.throwIfAborted()
    const record = this.conversations.get(peerId)?.get(id)
    return record == null ? undefined : structuredClone(record)
  }

  async messages (peerId: string, options: AbortOptions = {}): Promise<DirectMessage[]> {
    options.signal?.throwIfAborted()
    return [...this.conversations.get(peerId)?.values() ?? []].map(r => structuredClone(r.message))
  }

  async lastMessages (options: AbortOptions = {}): Promise<DirectMessage[]> {
    options.signal?.throwIfAborted()
    return lastPerConversation([...this.conversations.values()].flatMap(c => [...c.values()].map(r => r.message))).map(m => structuredClone(m))
  }

  async outbox (options: AbortOptions = {}): Promise<DmRecord[]> {
    options.signal?.throwIfAborted()
    return [...this.conversations.values()].flatMap(c => [...c.values()]).filter(r => r.message.status === 'queued').map(r => structuredClone(r))
  }
}
