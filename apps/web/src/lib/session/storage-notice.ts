/**
 * What the app tells its user when the browser's storage for the site was
 * cleared while the app ran: core's services each report what they wrote back
 * or lost ('storage:cleared'), and the reports of one clear add up to one
 * notice, in words.
 */
import type { StorageCleared } from './session-api.ts'

/** The reports of one clear, added up. */
export interface StorageClearedNotice {
  /** Rooms and messages written back from what the page held. */
  rooms: number
  messages: number
  /** Our unsent direct messages, written back. */
  queued: number
  /** The direct messages' store was cleared (what it held before is gone). */
  dms: boolean
  /** Files held here that are no longer (CIDs). */
  lost: string[]
  /** Downloads fetching again what was lost (CIDs). */
  restarted: string[]
}

/** `notice` with one more service's report added. */
export function addReport (notice: StorageClearedNotice | undefined, report: StorageCleared): StorageClearedNotice {
  const sum: StorageClearedNotice = notice == null
    ? { rooms: 0, messages: 0, queued: 0, dms: false, lost: [], restarted: [] }
    : { ...notice, lost: [...notice.lost], restarted: [...notice.restarted] }
  if (report.rooms != null) {
    sum.rooms = Math.max(sum.rooms, report.rooms.rooms)
    sum.messages = Math.max(sum.messages, report.rooms.messages)
  }
  if (report.dms != null) {
    sum.dms = true
    sum.queued = Math.max(sum.queued, report.dms.queued)
  }
  for (const cid of report.files?.lost ?? []) if (!sum.lost.includes(cid)) sum.lost.push(cid)
  for (const cid of report.files?.restarted ?? []) if (!sum.restarted.includes(cid)) sum.restarted.push(cid)
  return sum
}

function count (n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** The notice in words: what was kept, what is gone, and what happens next. */
export function storageClearedText (notice: StorageClearedNotice): string {
  const parts: string[] = []
  if (notice.rooms > 0) {
    parts.push(`your ${count(notice.rooms, 'room')} and ${count(notice.messages, 'message')} were written back from this page, and members online are asked for anything missing`)
  }
  if (notice.lost.length > 0) {
    parts.push(`${count(notice.lost.length, 'file')} ${notice.lost.length === 1 ? 'is' : 'are'} no longer stored here (see Files: "Resume" fetches ${notice.lost.length === 1 ? 'it' : 'them'} again)`)
  }
  if (notice.restarted.length > 0) {
    parts.push(`${count(notice.restarted.length, 'download')} ${notice.restarted.length === 1 ? 'is' : 'are'} fetching again what was lost`)
  }
  if (notice.dms) {
    parts.push(`direct messages stored before are gone from this browser${notice.queued > 0 ? ` (your ${count(notice.queued, 'unsent message')} ${notice.queued === 1 ? 'was' : 'were'} kept and will still be delivered)` : ''}`)
  }
  const said = parts.length === 0 ? '' : ` ${capitalize(parts.join('; '))}.`
  return `The browser's storage for this site was cleared while Peerlink ran.${said}`
}

function capitalize (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
