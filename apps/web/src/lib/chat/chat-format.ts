import type { FileRowView } from '../files/file-row.svelte.ts'
import type { ConnectionPath, PeerStatus } from '../session/session-api.ts'

/** One line of a chat log, for rooms and direct messages alike. */
export interface LogEntry {
  id: string
  /** The author's PeerId. */
  author: string
  authorName: string
  text: string
  /** sending | sent | seen | unreadable | received (rooms), queued | delivered | received (DMs). */
  status: string
  own: boolean
  /** Epoch ms. */
  time: number
  /** The file the message carries (rooms). */
  file?: FileRowView
  /** The message this one answers (rooms). */
  quote?: Quote
  /** Its author changed the text (rooms). */
  edited?: boolean
  /** Its author deleted it: only this tombstone remains (rooms). */
  deleted?: boolean
  /** Who reacted how, in the room's emoji order (rooms). */
  reactions?: ReactionCount[]
}

/** The message a reply answers, as the reply shows it. */
export interface Quote {
  id: string
  authorName: string
  text: string
  /** `missing`: this device does not hold it (yet); `deleted`: its author deleted it. */
  state: 'shown' | 'missing' | 'deleted'
}

export interface ReactionCount {
  emoji: string
  count: number
  /** Display names of who reacted, in the order they did. */
  names: string[]
  /** We reacted with it. */
  mine: boolean
}

/** What can be done to the messages of a log (rooms; direct messages have none of it). */
export interface MessageActions {
  /** The emoji members can react with. */
  emoji: readonly string[]
  /** The message whose emoji choice is open. */
  reactingTo?: string
  reply(id: string): void
  /** Opens or closes the emoji choice of a message. */
  chooseReaction(id: string): void
  /** Adds our reaction with `emoji`, or takes it back. */
  react(id: string, emoji: string): void
  edit(id: string): void
  delete(id: string): void
}

/** A piece of a message's text: plain, or a link to open. */
export interface TextPart {
  text: string
  /** An http(s) URL: the piece is a link to it. */
  href?: string
}

export const STATUS_LABELS: Record<string, string> = {
  sending: 'sending…',
  sent: 'sent',
  seen: 'seen',
  unreadable: 'not delivered: wrong link key',
  queued: 'queued',
  delivered: 'delivered',
  received: ''
}

/** Why frames from the network were ignored, as the room says it. */
const DROP_LABELS: Record<string, string> = {
  malformed: 'malformed',
  oversized: 'too large',
  'bad-signature': 'not signed by their author',
  undecryptable: 'unreadable with this link\'s key',
  'rate-limited': 'too many at once',
  'wrong-room': 'meant for another room',
  'not-author': 'changing another member\'s message'
}

/** "2 malformed, 1 changing another member's message" */
export function dropSummary (dropped: Partial<Record<string, number>>): string {
  return Object.entries(dropped)
    .filter((e): e is [string, number] => (e[1] ?? 0) > 0)
    .map(([reason, n]) => `${n} ${DROP_LABELS[reason] ?? reason}`)
    .join(', ')
}

/** "12D3Ko…x7Yq" */
export function shortId (id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id
}

/** A member's chosen name, or a short form of the PeerId for those who chose none. */
export function nameOrId (name: string, peerId: string): string {
  return name.trim() !== '' ? name : shortId(peerId)
}

/** A room's title: its name, or while nobody named it a short form of the id. */
export function roomTitle (roomId: string, name = ''): string {
  return name.trim() !== '' ? name : `Room ${roomId.slice(0, 6)}`
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi
/** Punctuation that ends a sentence more often than a URL. */
const TRAILING = '.,;:!?\'")]}'

/**
 * Cuts a message's text into plain pieces and http(s) links, for showing
 * links as links. Only http and https: no other scheme (javascript:, data:,
 * file:…) becomes a link. Nothing is fetched.
 */
export function linkify (text: string): TextPart[] {
  const parts: TextPart[] = []
  let at = 0
  for (const match of text.matchAll(URL_PATTERN)) {
    const raw = withoutTrailing(match[0])
    let href: string
    try {
      const url = new URL(raw)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') continue
      href = url.href
    } catch {
      continue
    }
    if (match.index > at) parts.push({ text: text.slice(at, match.index) })
    parts.push({ text: raw, href })
    at = match.index + raw.length
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at) })
  return parts
}

/** A URL as matched, without the punctuation after it; a closing parenthesis the URL opened stays (Wikipedia's "Foo_(bar)"). */
function withoutTrailing (raw: string): string {
  let end = raw.length
  while (end > 0 && TRAILING.includes(raw[end - 1] as string)) {
    const head = raw.slice(0, end)
    if (raw[end - 1] === ')' && head.split('(').length >= head.split(')').length) break
    end--
  }
  return raw.slice(0, end)
}

/** "Ann is typing…", "Ann and Bob are typing…", "3 people are typing…"; empty when nobody is. */
export function typingText (names: string[]): string {
  if (names.length === 0) return ''
  if (names.length === 1) return `${names[0]} is typing…`
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`
  return `${names.length} people are typing…`
}

/**
 * The formats of `timeText`, made once: `toLocaleTimeString` with options
 * builds a formatter on every call, and a log formats every message's time
 * each time it changes (in a busy room that was a quarter of a page's main
 * thread).
 */
const CLOCK_FORMAT = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const DAY_FORMAT = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })

/** "14:05" today, else "3 Mar 14:05". */
export function timeText (time: number, now: number = Date.now()): string {
  const date = new Date(time)
  const clock = CLOCK_FORMAT.format(date)
  if (new Date(now).toDateString() === date.toDateString()) return clock
  return `${DAY_FORMAT.format(date)} ${clock}`
}

/** How we are connected to a peer right now: `direct`, `turn` (through a TURN server), `relayed` or not at all. */
export function linkOf (peers: PeerStatus[], peerId: string): ConnectionPath | undefined {
  return peers.find(p => p.peerId === peerId)?.connection.path
}

/** Keeps the first of any items with the same id (a keyed list needs unique keys). */
export function uniqueById<T extends { id: string }> (items: T[]): T[] {
  const seen = new Set<string>()
  return items.filter(item => !seen.has(item.id) && seen.add(item.id) != null)
}

/**
 * The log `next`, with each entry that shows the same as one of `previous`
 * (same id, same fields) replaced by that earlier object. A keyed list
 * renders a row again only when its entry is a new object, so re-reading a
 * room on every event (a message, a receipt, someone typing) then costs the
 * rows that changed rather than every row of the log.
 */
export function keepUnchanged (previous: readonly LogEntry[], next: LogEntry[]): LogEntry[] {
  if (previous.length === 0) return next
  const earlier = new Map(previous.map(entry => [entry.id, entry]))
  return next.map(entry => {
    const before = earlier.get(entry.id)
    return before != null && sameData(before, entry) ? before : entry
  })
}

/** Plain objects and arrays compared by their contents, anything else (a file's row, say) by identity. */
function sameData (a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a == null || b == null) return false
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((value, i) => sameData(value, b[i]))
  }
  if (Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) return false
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length &&
    keys.every(key => Object.hasOwn(b, key) && sameData((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
}
