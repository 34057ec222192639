/**
 * A transfer as the service holds it: what is remembered of it, its running
 * download or a completed one's counters, and its throttled updates.
 */
import { PROGRESS_INTERVAL_MS } from './constants.js'
import type { Download } from './download.js'
import type { DownloadCounters } from './status.js'
import type { TransferRecord } from './store.js'
import type { DownloadStats } from './types.js'

/** A completed download's counters, made apart from it (a closure made in `run` would hold the download). */
export function finishedCounters (stats: DownloadStats): DownloadCounters {
  return { stats, rate: () => 0, peers: 0 }
}

export interface Entry {
  record: TransferRecord
  served: number
  /** The running (or paused, or failed) download. */
  download?: Download
  /**
   * A completed download's counters: the download itself (its DAG, scheduler
   * and every block's CID) goes once it completes.
   */
  finished?: DownloadCounters
  controller?: AbortController
  lastEmit: number
  emitTimer?: ReturnType<typeof setTimeout>
}

/**
 * Calls `update` now, or at most every PROGRESS_INTERVAL_MS for this entry
 * unless `force` (`later` is called when the interval is over).
 */
export function throttleUpdate (entry: Entry, force: boolean, later: () => void, update: () => void): void {
  const now = Date.now()
  if (!force && now - entry.lastEmit < PROGRESS_INTERVAL_MS) {
    entry.emitTimer ??= setTimeout(() => {
      entry.emitTimer = undefined
      later()
    }, PROGRESS_INTERVAL_MS - (now - entry.lastEmit))
    return
  }
  clearTimeout(entry.emitTimer)
  entry.emitTimer = undefined
  entry.lastEmit = now
  update()
}
