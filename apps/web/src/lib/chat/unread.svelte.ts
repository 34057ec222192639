/**
 * Unread messages per conversation (a room or a direct-message conversation):
 * messages from others that arrived while that conversation was not open, or
 * while the page was hidden, and where they start (the first of them). Kept in
 * localStorage, so a reload keeps them; cleared when the conversation is
 * opened (and the page is shown).
 */
import { earlierStart, parseStarts, type UnreadStart } from './unread-start.ts'

/** localStorage key of the unread counts (`{ "<conversation key>": count }`). */
export const UNREAD_KEY = 'peerlink:unread'

/** localStorage key of where each conversation's unread messages start (`{ "<conversation key>": UnreadStart }`). */
export const UNREAD_START_KEY = 'peerlink:unread-start'

/** The key of a room's count. */
export function roomKey (roomId: string): string {
  return `room:${roomId}`
}

/** The key of a direct-message conversation's count. */
export function dmKey (peerId: string): string {
  return `dm:${peerId}`
}

export class UnreadCounts {
  /** Unread messages by conversation key (only those with some). */
  counts = $state.raw<Record<string, number>>({})
  /** The first unread message by conversation key (only those with unread messages). */
  #starts: Record<string, UnreadStart>

  constructor (private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = localStorageOrNothing()) {
    this.counts = load(storage)
    this.#starts = loadStarts(storage, this.counts)
  }

  /** Every unread message, in all conversations. */
  get total (): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0)
  }

  of (key: string): number {
    return this.counts[key] ?? 0
  }

  /** Where the unread messages of `key` start, if it has any. */
  startOf (key: string): UnreadStart | undefined {
    return this.#starts[key]
  }

  /** A message from someone else arrived in `key`, not seen (its conversation is not open, or the page is hidden). */
  add (key: string, message?: UnreadStart): void {
    if (message != null) this.#starts = { ...this.#starts, [key]: earlierStart(this.#starts[key], message) }
    this.#set({ ...this.counts, [key]: this.of(key) + 1 })
  }

  /** The conversation was opened (and is shown): everything in it is read. Returns where its unread messages started. */
  clear (key: string): UnreadStart | undefined {
    const start = this.#starts[key]
    if (this.of(key) === 0 && start == null) return undefined
    this.#starts = without(this.#starts, k => k === key)
    this.#set(without(this.counts, k => k === key))
    return start
  }

  /** Forgets the counts of conversations that are gone (a room left), keeping those of `keep`. */
  retain (keep: (key: string) => boolean): void {
    const kept = without(this.counts, key => !keep(key))
    if (Object.keys(kept).length === Object.keys(this.counts).length) return
    this.#starts = without(this.#starts, key => !keep(key))
    this.#set(kept)
  }

  #set (counts: Record<string, number>): void {
    this.counts = counts
    try {
      this.storage?.setItem(UNREAD_KEY, JSON.stringify(counts))
      this.storage?.setItem(UNREAD_START_KEY, JSON.stringify(this.#starts))
    } catch {
      // no localStorage (blocked, full): the counts last as long as the page
    }
  }
}

function without<T> (record: Record<string, T>, drop: (key: string) => boolean): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !drop(key)))
}

/** The starts of the conversations that have unread messages (a start without a count is stale). */
function loadStarts (storage: Pick<Storage, 'getItem'> | undefined, counts: Record<string, number>): Record<string, UnreadStart> {
  let json: string | null = null
  try {
    json = storage?.getItem(UNREAD_START_KEY) ?? null
  } catch {
    // no localStorage
  }
  return without(parseStarts(json), key => counts[key] == null)
}

function load (storage: Pick<Storage, 'getItem'> | undefined): Record<string, number> {
  try {
    const value: unknown = JSON.parse(storage?.getItem(UNREAD_KEY) ?? '{}')
    if (typeof value !== 'object' || value == null || Array.isArray(value)) return {}
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, number] => Number.isSafeInteger(e[1]) && e[1] > 0))
  } catch {
    return {}
  }
}

function localStorageOrNothing (): Storage | undefined {
  try {
    return globalThis.localStorage
  } catch {
    return undefined
  }
}
