/**
 * Saving a file into a file the user picked while it downloads. Its plaintext
 * is written in file order: each segment as soon as it and every segment
 * before it are held, read through the running download as a player's reads
 * are (a block not stored yet is awaited and handed over as the download
 * stores it, without reprioritising anything: the download fetches in file
 * order anyway), verified and decrypted READ_AHEAD segments ahead of the
 * writes (see openFile), and written no faster than the sink takes it (its
 * `ready`). A paused download holds the save: what is stored is written, then
 * the save waits until the download resumes. The sink is closed only once the
 * download has completed (every block verified against its CID and stored);
 * on any failure it is aborted, so the destination keeps nothing of a file
 * that failed.
 */
import { BlockNotFoundError, DownloadFailedError, TransferStoppedError } from '../errors.js'
import type { Download } from './download.js'
import type { TransferState } from './types.js'
import type { ReadableChunkStore } from '../chunk-store.js'
import type { SharedFile } from '../export.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * Where a file is saved: a WritableStream's writer (in browsers, the writer
 * of the FileSystemWritableFileStream of the file the user picked). Every
 * write waits for `ready` (the stream's backpressure).
 */
export type FileSink = Pick<WritableStreamDefaultWriter<Uint8Array>, 'ready' | 'write' | 'close' | 'abort'>

export interface SaveOptions extends AbortOptions {
  /** Plaintext bytes written into the sink so far, after each write. */
  onProgress?(bytes: number): void
}

export interface SaveInit extends SaveOptions {
  /** Resolves once the whole file is verified and stored (its download completed); the sink is closed after it, aborted if it rejects. */
  finish?(options: AbortOptions): Promise<void>
}

/**
 * Writes the file `open` gives into `sink`, in order, honouring its
 * backpressure; closes it once every byte is written and `finish` resolved.
 *
 * @throws whatever opening, reading or writing the file or `finish` threw, or `signal`'s reason; the sink is aborted with it
 */
export async function saveInOrder (open: (options: AbortOptions) => Promise<Pick<SharedFile, 'read'>>, sink: FileSink, init: SaveInit = {}): Promise<void> {
  const options = init.signal == null ? {} : { signal: init.signal }
  try {
    const file = await open(options)
    let written = 0
    for await (const chunk of file.read(options)) {
      await sink.ready
      const bytes = chunk.byteLength
      // a failed write errors the stream: the next `ready` (or `close`) rejects with it
      sink.write(chunk).then(() => {
        written += bytes
        init.onProgress?.(written)
      }, () => {})
    }
    await sink.ready
    await init.finish?.(options)
    init.signal?.throwIfAborted()
    await sink.close()
  } catch (err) {
    await sink.abort(err).catch(() => {})
    throw err
  }
}

/** A transfer as a save sees it, now. */
export interface TransferNow {
  state: TransferState
  /** Its download, while one runs. */
  download?: Pick<Download, 'reader'>
  /** Why it failed (`<name>: <message>`). */
  error?: string
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
  store: ReadableChunkStore
  /** Resolves once the transfer is complete. */
  completed(options: AbortOptions): Promise<void>
}

const running = (state: TransferState): boolean => state === 'resolving' || state === 'downloading'

/** A download stopped (paused, cancelled, the service stopping) rather than failed. */
function stopped (err: unknown): boolean {
  return err instanceof TransferStoppedError || (err as { name?: unknown } | null)?.name === 'AbortError'
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
    if (transfer.state === 'failed') throw new DownloadFailedError(`the download failed: ${transfer.error ?? 'no reason given'}`)
    return transfer
  }
  const same = (a: TransferNow, b: TransferNow | undefined): boolean => b != null && a.state === b.state && a.download === b.download

  return {
    store: {
      get: async (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> => {
        while (true) {
          options.signal?.throwIfAborted()
          const before = now()
          const download = running(before.state) ? before.download : undefined
          try {
            return await (download?.reader ?? components.store).get(cid, options)
          } catch (err) {
            options.signal?.throwIfAborted()
            // not stored, and no download running; or the download stopped (paused, cancelled): anything else is a failure
            if (download == null ? !(err instanceof BlockNotFoundError) : !stopped(err)) throw err
            // changed while the block was read: look again, else wait for the next change
            if (same(before, components.current())) await components.changed(options)
          }
        }
      }
    },
    completed: async (options: AbortOptions): Promise<void> => {
      while (now().state !== 'complete') await components.changed(options)
    }
  }
}
