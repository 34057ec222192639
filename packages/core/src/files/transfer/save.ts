/**
 * Saving a file into a file the user picked while it downloads. Its plaintext
 * is written in file order: each segment as soon as it and every segment
 * before it are held, read through the running download as a player's reads
 * are (a block not stored yet is awaited and handed over as the download
 * stores it, without reprioritising anything: the download fetches in file
 * order anyway), verified and decrypted SAVE_READ_AHEAD segments ahead of
 * the writes (see openFile), and written no faster than the sink takes it
 * (its `ready`), several segments to a write when the sink lags. A paused
 * download holds the save: what is stored is written, then the save waits
 * until the download resumes. The sink is closed only once the download has
 * completed (every block verified against its CID and stored); on any
 * failure it is aborted, so the destination keeps nothing of a file that
 * failed.
 */
import { BlockNotFoundError, DownloadFailedError, TransferStoppedError } from '../errors.js'
import { alreadyVerified, type ReadableChunkStore, type VerifiedReader } from '../chunk-store.js'
import { SAVE_READ_AHEAD, SAVE_WRITE_BYTES } from './constants.js'
import type { TransferState } from './types.js'
import type { SharedFile } from '../export.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * Where a file is saved: a WritableStream's writer (in browsers, the writer
 * of the FileSystemWritableFileStream of the file the user picked). Every
 * write waits for `ready` (the stream's backpressure).
 */
export type FileSink = Pick<WritableStreamDefaultWriter<Uint8Array>, 'ready' | 'write' | 'close' | 'abort'>

export type SaveOptions = AbortOptions

export interface SaveInit extends SaveOptions {
  /** Segments read and decrypted ahead of the writes (SAVE_READ_AHEAD). */
  readAhead?: number
  /** Most bytes gathered into one write (SAVE_WRITE_BYTES). */
  writeBytes?: number
  /** Resolves once the whole file is verified and stored (its download completed); the sink is closed after it, aborted if it rejects. */
  finish?(options: AbortOptions): Promise<void>
}

/**
 * Writes the file `open` gives into `sink`, in order, honouring its
 * backpressure: one write at a time, and while the sink is busy with one,
 * the segments decrypted meanwhile are gathered into the next (up to
 * `writeBytes`), so a sink slower per write than the download delivers
 * segments catches up in fewer, larger writes. Closes the sink once every
 * byte is written and `finish` resolved.
 *
 * @throws whatever opening, reading or writing the file or `finish` threw, or `signal`'s reason; the sink is aborted with it
 */
export async function saveInOrder (open: (options: AbortOptions) => Promise<Pick<SharedFile, 'read'>>, sink: FileSink, init: SaveInit = {}): Promise<void> {
  // ends the reads still under way whichever way the save ends
  const reading = new AbortController()
  const signal = init.signal == null ? reading.signal : AbortSignal.any([init.signal, reading.signal])
  const writeBytes = init.writeBytes ?? SAVE_WRITE_BYTES
  try {
    const file = await open({ signal })
    const chunks = file.read({ signal, readAhead: init.readAhead ?? SAVE_READ_AHEAD })[Symbol.asyncIterator]()
    const pull = (): Promise<IteratorResult<Uint8Array>> => {
      const next = chunks.next()
      next.catch(() => {}) // awaited below
      return next
    }
    let next = pull()
    let ended = false
    while (!ended) {
      const first = await next
      if (first.done === true) break
      const parts = [first.value]
      let size = first.value.byteLength
      next = pull()
      // the sink still writes the last part: gather what is decrypted meanwhile
      let ready = false
      const sinkReady = sink.ready.then(() => { ready = true })
      sinkReady.catch(() => {}) // awaited below
      while (!ready && size < writeBytes) {
        const more = await Promise.race([next, sinkReady.then(() => undefined)])
        if (more == null) break
        if (more.done === true) {
          ended = true
          break
        }
        parts.push(more.value)
        size += more.value.byteLength
        next = pull()
      }
      await sink.ready
      signal.throwIfAborted()
      // a failed write errors the stream: the next `ready` (or `close`) rejects with it
      sink.write(concat(parts, size)).catch(() => {})
    }
    await sink.ready
    await init.finish?.({ signal })
    signal.throwIfAborted()
    await sink.close()
  } catch (err) {
    await sink.abort(err).catch(() => {})
    throw err
  } finally {
    reading.abort()
  }
}

function concat (parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** A transfer as a save sees it, now. */
export interface TransferNow {
  state: TransferState
  /** Its download, while one runs. */
  download?: { reader: ReadableChunkStore | VerifiedReader }
  /** Why it failed (`<name>: <message>`). */
  error?: string
  /** Failed, but resumes by itself: a relay's limit stopped it, and it continues once a connection can carry the rest. */
  resumes?: boolean
}

/** What following a transfer across pauses needs of the service. */
export interface FollowComponents {
  /** The transfer now, or undefined once it is gone (cancelled, or the service stopped). */
  current(): TransferNow | undefined
  /** Resolves at the transfer's next change (of state, progress, or its removal); rejects with `signal`'s reason. */
  changed(options: AbortOptions): Promise<void>
  /** Blocks stored on this device. */
  store: ReadableChunkStore
}

/** A transfer followed across its downloads: its blocks, and its completion. */
export interface FollowedTransfer {
  /** Blocks of the file: stored ones at once, others as the running download stores them (waiting through a pause). */
  store: VerifiedReader
  /** Resolves once the transfer is complete. */
  completed(options: AbortOptions): Promise<void>
}

const running = (state: TransferState): boolean => state === 'resolving' || state === 'downloading'

/**
 * A download stopped (paused, cancelled, the service stopping) or held by a
 * relay's limit (it resumes by itself), rather than failed.
 */
function stopped (err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name
  return err instanceof TransferStoppedError || name === 'AbortError' || name === 'RelayLimitError'
}

/**
 * Follows a transfer across pause and resume (each resume is a new
 * download): a block is read through the running download, or, with none
 * running, from the store, and waited for until a download runs again.
 *
 * @throws from `store.get` and `completed`: TransferStoppedError once the transfer is gone, the download's error when it fails (DownloadFailedError when it had already failed)
 */
export function followTransfer (components: FollowComponents): FollowedTransfer {
  const now = (): TransferNow => {
    const transfer = components.current()
    if (transfer == null) throw new TransferStoppedError('the transfer was cancelled')
    if (transfer.state === 'failed' && transfer.resumes !== true) throw new DownloadFailedError(`the download failed: ${transfer.error ?? 'no reason given'}`)
    return transfer
  }
  const same = (a: TransferNow, b: TransferNow | undefined): boolean => b != null && a.state === b.state && a.download === b.download
  /** Blocks a download handed over as it received them (checked against their CIDs then). */
  const verified = new WeakSet<Uint8Array>()

  return {
    store: {
      get: async (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> => {
        while (true) {
          options.signal?.throwIfAborted()
          const before = now()
          const download = running(before.state) ? before.download : undefined
          try {
            const reader = download?.reader ?? components.store
            const bytes = await reader.get(cid, options)
            if (alreadyVerified(reader, bytes)) verified.add(bytes)
            return bytes
          } catch (err) {
            options.signal?.throwIfAborted()
            // not stored, and no download running; or the download stopped (paused, cancelled): anything else is a failure
            if (download == null ? !(err instanceof BlockNotFoundError) : !stopped(err)) throw err
            // changed while the block was read: look again, else wait for the next change
            if (same(before, components.current())) await components.changed(options)
          }
        }
      },
      verified: (bytes) => verified.has(bytes)
    },
    completed: async (options: AbortOptions): Promise<void> => {
      while (now().state !== 'complete') await components.changed(options)
    }
  }
}
