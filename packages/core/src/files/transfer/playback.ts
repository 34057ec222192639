/**
 * Reading a file that is still downloading, the way a video player does: the
 * segments being read, and PLAYBACK_AHEAD_BYTES beyond them, are fetched
 * before the rest of the file. The window slides with the reader; a seek is a
 * new read, whose window goes before those of older reads.
 */
import { SEGMENT_SIZE } from '../constants.js'
import { playbackWindow } from '../layout.js'
import { PLAYBACK_AHEAD_BYTES } from './constants.js'
import type { PlaybackWindow } from './types.js'
import type { SharedFile } from '../export.js'
import type { AbortOptions } from '@libp2p/interface'

/** `file` must read its blocks through `download.reader`. */
export async function * readWhileDownloading (download: { playbackWindow(): PlaybackWindow }, file: SharedFile, offset: number, length: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  const { size } = file.manifest
  const window = download.playbackWindow()
  const chunks = file.readRange(offset, length, options)
  let position = offset
  let segment = -1
  try {
    while (true) {
      // set before each segment the reader enters is awaited
      const current = Math.floor(position / SEGMENT_SIZE)
      if (current !== segment && position < size) {
        segment = current
        const { first, last } = playbackWindow(position, 1, size, PLAYBACK_AHEAD_BYTES)
        window.set(first, last)
      }
      const next = await chunks.next()
      if (next.done === true) return
      position += next.value.byteLength
      yield next.value
    }
  } finally {
    window.close()
    await chunks.return(undefined)
  }
}

/**
 * Readers' windows of segments (a video player's position and what it reads
 * next). With several readers (a player keeps reading its old range for a
 * while after a seek), the newest reader's window comes first.
 */
export class ReaderWindows {
  /** Oldest first. */
  private readonly windows = new Map<number, { first: number, last: number }>()
  private nextId = 0

  /** @param changed - called whenever a window moves or closes */
  constructor (private readonly changed: () => void) {}

  open (): PlaybackWindow {
    const id = this.nextId++
    return {
      set: (first, last) => {
        this.windows.set(id, { first, last })
        this.changed()
      },
      close: () => {
        if (this.windows.delete(id)) this.changed()
      }
    }
  }

  /** The segments of every window, the newest window's first. */
  * segments (): Generator<number> {
    for (const { first, last } of [...this.windows.values()].reverse()) {
      for (let i = first; i <= last; i++) yield i
    }
  }
}
