import { sha256 } from '@noble/hashes/sha2.js'
import { SYNC_BUCKET_MS } from './constants.js'
import { toHex, utf8 } from './encoding.js'
import { compareMessages } from './hlc.js'
import type { StoredMessage } from './store.js'
import type { ChatMessage } from './types.js'

/** One hour of history, summarised for sync: [bucket, count, digest]. */
export type BucketSummary = [number, number, string]

/**
 * A room's messages, ordered by HLC then id, with the bucket summaries that
 * the sync protocol compares.
 */
export class History {
  private readonly byId = new Map<string, StoredMessage>()
  private ordered: ChatMessage[] = []

  constructor (messages: StoredMessage[] = []) {
    for (const m of messages) this.byId.set(m.id, m)
    this.reorder()
  }

  has (id: string): boolean {
    return this.byId.has(id)
  }

  get (id: string): StoredMessage | undefined {
    return this.byId.get(id)
  }

  /** Adds a message; false when it was already there. */
  add (message: StoredMessage): boolean {
    if (this.byId.has(message.id)) return false
    this.byId.set(message.id, message)
    const i = this.ordered.findLastIndex(m => compareMessages(m, message.message) < 0)
    this.ordered.splice(i + 1, 0, message.message)
    return true
  }

  /** The messages in order (a fresh array of snapshots). */
  messages (): ChatMessage[] {
    return this.ordered.map(m => ({ ...m }))
  }

  all (): StoredMessage[] {
    return [...this.byId.values()]
  }

  summary (): BucketSummary[] {
    const buckets = new Map<number, string[]>()
    for (const m of this.byId.values()) {
      const b = bucketOf(m)
      buckets.set(b, [...(buckets.get(b) ?? []), m.id])
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, ids]) => [b, ids.length, digest(ids)])
  }

  /** The buckets whose content differs from a peer's summary and that we have messages in. */
  differingBuckets (theirs: BucketSummary[]): number[] {
    const other = new Map(theirs.map(([b, count, d]) => [b, `${count}:${d}`]))
    return this.summary().filter(([b, count, d]) => other.get(b) !== `${count}:${d}`).map(([b]) => b)
  }

  idsIn (buckets: number[]): string[] {
    const wanted = new Set(buckets)
    return this.all().filter(m => wanted.has(bucketOf(m))).map(m => m.id)
  }

  /** Our messages in `buckets` that are not in `have`, oldest first. */
  missingFrom (buckets: number[], have: Set<string>): StoredMessage[] {
    const wanted = new Set(buckets)
    return this.all()
      .filter(m => wanted.has(bucketOf(m)) && !have.has(m.id))
      .sort((a, b) => compareMessages(a.message, b.message))
  }

  private reorder (): void {
    this.ordered = [...this.byId.values()].map(m => m.message).sort(compareMessages)
  }
}

function bucketOf (m: StoredMessage): number {
  return Math.floor(m.message.hlc.wall / SYNC_BUCKET_MS)
}

function digest (ids: string[]): string {
  return toHex(sha256(utf8.encode([...ids].sort().join(',')))).slice(0, 16)
}
