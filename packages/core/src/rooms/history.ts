import { sha256 } from '@noble/hashes/sha2.js'
import { REACTION_EMOJI, SYNC_BUCKET_MS } from './constants.js'
import { toHex, utf8 } from './encoding.js'
import { compareMessages } from './hlc.js'
import { isAction, type StoredAction, type StoredRecord } from './store.js'
import type { Envelope } from './envelope.js'
import type { ChatMessage, Hlc } from './types.js'

/** One hour of history, summarised for sync: [bucket, count, digest]. */
export type BucketSummary = [number, number, string]

/** A record whose envelope we hold, so can serve. */
export type ServableRecord = StoredRecord & { envelope: Envelope }

/** The room's name as its latest naming says. */
export interface RoomNaming {
  name: string
  /** Who named it. */
  by: string
  /** The naming's id. */
  id: string
}

export interface HistoryInit {
  roomId: string
  /** Our PeerId (tombstones of our deleted messages are `own`). */
  self: string
}

/**
 * A room's records: chat messages ordered by HLC then id, and the reactions,
 * edits, deletions and namings that apply to them, with the bucket summaries
 * that the sync protocol compares. Messages are read with what applies to
 * them: the latest edit of their author, the reactions that stand, and
 * tombstones for deleted ones.
 */
export class History {
  private readonly byId = new Map<string, StoredRecord>()
  private ordered: ChatMessage[] = []
  /** Reactions, edits and deletions by the id of the message they name. */
  private readonly byTarget = new Map<string, StoredAction[]>()
  private readonly namings: StoredAction[] = []

  constructor (records: StoredRecord[] = [], private readonly init: HistoryInit = { roomId: '', self: '' }) {
    for (const r of records) this.index(r)
    this.ordered = [...this.byId.values()].flatMap(r => isAction(r) ? [] : [r.message]).sort(compareMessages)
  }

  has (id: string): boolean {
    return this.byId.has(id)
  }

  get (id: string): StoredRecord | undefined {
    return this.byId.get(id)
  }

  /** Adds a record; false when it was already there. */
  add (record: StoredRecord): boolean {
    if (this.byId.has(record.id)) return false
    this.index(record)
    if (!isAction(record)) {
      const i = this.ordered.findLastIndex(m => compareMessages(m, record.message) < 0)
      this.ordered.splice(i + 1, 0, record.message)
    }
    return true
  }

  /** Forgets a reaction, edit, deletion or naming. */
  removeAction (id: string): void {
    const record = this.byId.get(id)
    if (record == null || !isAction(record)) return
    this.byId.delete(id)
    const { action } = record
    const list = action.k === 'room-name' ? this.namings : this.byTarget.get(action.target) ?? []
    list.splice(list.indexOf(record), 1)
  }

  /** A chat message as shown, with its edits, deletion and reactions applied. */
  message (id: string): ChatMessage | undefined {
    const record = this.byId.get(id)
    return record == null || isAction(record) ? undefined : this.shown(record.message)
  }

  /**
   * The messages in order (a fresh array of snapshots), with tombstones for
   * deletions of messages this device never held, at the clock the deletion
   * names.
   */
  messages (): ChatMessage[] {
    const shown = this.ordered.map(m => this.shown(m))
    const orphans = [...this.byTarget.entries()].flatMap(([target, actions]) => {
      if (this.byId.has(target)) return []
      const deletion = actions.find(a => a.action.k === 'delete')
      return deletion?.action.k === 'delete' ? [this.orphanTombstone(target, deletion, deletion.action.hlc)] : []
    })
    return orphans.length === 0 ? shown : [...shown, ...orphans].sort(compareMessages)
  }

  /** The reactions, edits and deletions naming a message (held or not). */
  actionsOn (target: string): StoredAction[] {
    return [...(this.byTarget.get(target) ?? [])]
  }

  /** The latest naming of the room (by clock, then id), if any. */
  roomName (): RoomNaming | undefined {
    const latest = this.namings.reduce<StoredAction | undefined>((best, r) => best == null || compareRecords(r, best) > 0 ? r : best, undefined)
    return latest?.action.k === 'room-name' ? { name: latest.action.roomName, by: latest.envelope.author, id: latest.id } : undefined
  }

  all (): StoredRecord[] {
    return [...this.byId.values()]
  }

  /**
   * One bucket per hour holding records we can serve: deleted messages (whose
   * envelopes are gone) do not count, so members that hold the deletion agree.
   */
  summary (): BucketSummary[] {
    const buckets = new Map<number, string[]>()
    for (const r of this.servable()) {
      const b = bucketOf(r)
      buckets.set(b, [...(buckets.get(b) ?? []), r.id])
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([b, ids]) => [b, ids.length, digest(ids)])
  }

  /** The buckets whose content differs from a peer's summary and that we have messages in. */
  differingBuckets (theirs: BucketSummary[]): number[] {
    const other = new Map(theirs.map(([b, count, d]) => [b, `${count}:${d}`]))
    return this.summary().filter(([b, count, d]) => other.get(b) !== `${count}:${d}`).map(([b]) => b)
  }

  /** The ids we hold in `buckets`, deleted messages included (so that nobody sends them again). */
  idsIn (buckets: number[]): string[] {
    const wanted = new Set(buckets)
    return this.all().filter(m => wanted.has(bucketOf(m))).map(m => m.id)
  }

  /** Our records in `buckets` that are not in `have` and that we can serve, oldest first. */
  missingFrom (buckets: number[], have: Set<string>): ServableRecord[] {
    const wanted = new Set(buckets)
    return this.servable()
      .filter(m => wanted.has(bucketOf(m)) && !have.has(m.id))
      .sort(compareRecords)
  }

  private servable (): ServableRecord[] {
    return this.all().filter((r): r is ServableRecord => r.envelope != null)
  }

  private index (record: StoredRecord): void {
    this.byId.set(record.id, record)
    if (!isAction(record)) return
    const { action } = record
    if (action.k === 'room-name') {
      this.namings.push(record)
      return
    }
    this.byTarget.set(action.target, [...(this.byTarget.get(action.target) ?? []), record])
  }

  /** A message with its author's latest edit and the reactions that stand, or its tombstone. */
  private shown (m: ChatMessage): ChatMessage {
    if (m.deleted === true) return tombstone(m)
    let edit: StoredAction | undefined
    /** The latest reaction of each member with each emoji. */
    const latest = new Map<string, StoredAction>()
    for (const a of this.byTarget.get(m.id) ?? []) {
      const by = a.envelope.author
      switch (a.action.k) {
        case 'delete':
          if (by === m.author) return tombstone(m)
          break
        case 'edit':
          if (by === m.author && (edit == null || compareRecords(a, edit) > 0)) edit = a
          break
        case 'reaction': {
          const key = `${by}\n${a.action.emoji}`
          const before = latest.get(key)
          if (before == null || compareRecords(a, before) > 0) latest.set(key, a)
          break
        }
      }
    }
    const shown: ChatMessage = { ...m }
    if (edit?.action.k === 'edit') {
      shown.text = edit.action.text
      shown.edited = true
    }
    const standing = [...latest.values()].filter(a => a.action.k === 'reaction' && a.action.remove !== true).sort(compareRecords)
    if (standing.length > 0) {
      const reactions: Record<string, string[]> = {}
      for (const emoji of REACTION_EMOJI) {
        const by = standing.filter(a => a.action.k === 'reaction' && a.action.emoji === emoji).map(a => a.envelope.author)
        if (by.length > 0) reactions[emoji] = by
      }
      shown.reactions = reactions
    }
    return shown
  }

  private orphanTombstone (id: string, deletion: StoredAction, hlc: Hlc): ChatMessage {
    const author = deletion.envelope.author
    const own = author === this.init.self
    return { id, roomId: this.init.roomId, author, authorName: '', text: '', hlc: { ...hlc }, status: own ? 'sent' : 'received', own, deleted: true }
  }
}

/** What remains of a deleted message: who wrote it, when, and that it was deleted. */
function tombstone (m: ChatMessage): ChatMessage {
  const { id, roomId, author, authorName, hlc, status, own, replyTo } = m
  return { id, roomId, author, authorName, text: '', hlc: { ...hlc }, status, own, ...(replyTo == null ? {} : { replyTo }), deleted: true }
}

/** A record's clock: its message's, or its envelope's. */
export function hlcOf (record: StoredRecord): Hlc {
  return isAction(record) ? { wall: record.envelope.wall, counter: record.envelope.counter } : record.message.hlc
}

/** A record's author. */
export function authorOf (record: StoredRecord): string {
  return isAction(record) ? record.envelope.author : record.message.author
}

/** History's order: clock, then id. */
export function compareRecords (a: StoredRecord, b: StoredRecord): number {
  return compareMessages({ hlc: hlcOf(a), id: a.id }, { hlc: hlcOf(b), id: b.id })
}

function bucketOf (r: StoredRecord): number {
  return Math.floor(hlcOf(r).wall / SYNC_BUCKET_MS)
}

function digest (ids: string[]): string {
  return toHex(sha256(utf8.encode([...ids].sort().join(',')))).slice(0, 16)
}
