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

/** "12D3Ko…x7Yq" */
export function shortId (id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id
}

/** A member's chosen name, or a short form of the PeerId for those who chose none. */
export function nameOrId (name: string, peerId: string): string {
  return name.trim() !== '' ? name : shortId(peerId)
}

/** A room's title: rooms have no names, so a short form of the id. */
export function roomTitle (roomId: string): string {
  return `Room ${roomId.slice(0, 6)}`
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
