/**
 * Unread messages per conversation (a room or a direct-message conversation):
 * messages from others that arrived while that conversation was not open, or
 * while the page was hidden. Kept in localStorage, so a reload keeps them;
 * cleared when the conversation is opened (and the page is shown).
 */

/** localStorage key of the unread counts (`{ "<conversation key>": count }`). */
export const UNREAD_KEY = 'peerlink:unread'

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

  constructor (private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = localStorageOrNothing()) {
    this.counts = load(storage)
  }

  /** Every unread message, in all conversations. */
  get total (): number {
    return Object.values(this.counts).reduce((sum, n) => sum + n, 0)
  }

  of (key: string): number {
    return this.counts[key] ?? 0
  }

  /** A message from someone else arrived in `key`, not seen (its conversation is not open, or the page is hidden). */
  add (key: string): void {
    this.#set({ ...this.counts, [key]: this.of(key) + 1 })
  }

  /** The conversation was opened (and is shown): everything in it is read. */
  clear (key: string): void {
    if (this.of(key) === 0) return
    this.#set(Object.fromEntries(Object.entries(this.counts).filter(([k]) => k !== key)))
  }

  /** Forgets the counts of conversations that are gone (a room left), keeping those of `keep`. */
  retain (keep: (key: string) => boolean): void {
    const kept = Object.fromEntries(Object.entries(this.counts).filter(([key]) => keep(key)))
    if (Object.keys(kept).length !== Object.keys(this.counts).length) this.#set(kept)
  }

  #set (counts: Record<string, number>): void {
    this.counts = counts
    try {
      this.storage?.setItem(UNREAD_KEY, JSON.stringify(counts))
    } catch {
      // no localStorage (blocked, full): the counts last as long as the page
    }
  }
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
