/**
 * Public types of file transfers: what the UI sees of a shared or downloading
 * file, and the events the {@link Files} service emits.
 */
import type { FileSource } from '../import.js'
import type { FileManifest } from '../manifest.js'
import type { RelayLimit } from '../errors.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { ProgressOptions } from 'progress-events'
import type { ImportProgressEvents } from '../import.js'

/** `share`: we imported the file (we hold all of it). `download`: we fetch it from peers. */
export type TransferDirection = 'share' | 'download'

/**
 * `resolving`: fetching the root and manifest (name and size not known yet).
 * `downloading`: fetching content blocks. `paused`: stopped by the user, resumable.
 * `complete`: every block is stored; we serve it to others.
 * `failed`: stopped on an error (see `error`, and `relayLimit` when only a relay's limited connections reached the file); `resume` tries again.
 */
export type TransferState = 'resolving' | 'downloading' | 'paused' | 'complete' | 'failed'

export interface TransferStatus {
  /** Root CID (base32), the transfer's id. */
  cid: string
  direction: TransferDirection
  state: TransferState
  /** From the manifest; undefined while resolving. */
  name?: string
  size?: number
  type?: string
  /** Room the file was shared in, if any. */
  roomId?: string
  /** Plaintext bytes held locally (content leaves stored × their plaintext size). */
  bytes: number
  /** Content leaf blocks held locally, and how many the file has (undefined while resolving). */
  blocks: number
  totalBlocks?: number
  /** Download rate over the last seconds, bytes/s (0 when idle). */
  rate: number
  /** Providers currently sending us blocks of this file. */
  peers: number
  /** Blocks of this file we served to other peers since start. */
  served: number
  /** Blocks received from peers and stored since this download (re)started. */
  fetched: number
  /** Blocks already stored when this download (re)started, so not fetched. */
  skipped: number
  /** Blocks received that were already stored (wasted transfer; endgame duplicates). */
  duplicates: number
  /** Blocks received per provider PeerId since this download (re)started. */
  sources: Record<string, number>
  /** Providers dropped for this file, with the reason (e.g. a block that did not match its CID). */
  rejected: Record<string, string>
  /** Why the transfer failed, when `state` is `failed`. */
  error?: string
  /**
   * When it failed because its providers were reachable only through a
   * relay that lets too few bytes through a connection (RelayLimitError):
   * who, and the bytes. It resumes by itself once a connection to one of
   * them that can carry the rest opens.
   */
  relayLimit?: RelayLimit
}

export interface FilesEvents {
  /** A transfer appeared (shared, download started, or restored at start). */
  'transfer:added': CustomEvent<TransferStatus>
  /** Progress or state changed (throttled to a few per second while downloading). */
  'transfer:updated': CustomEvent<TransferStatus>
  /** A download finished: every block is stored and verified. */
  'transfer:complete': CustomEvent<TransferStatus>
  /** A transfer was cancelled and its blocks deleted. */
  'transfer:removed': CustomEvent<{ cid: string }>
  /**
   * The browser's storage for this site was cleared while the app ran: every
   * transfer was checked and its record written back (each change is also a
   * 'transfer:updated').
   */
  'storage:cleared': CustomEvent<FilesCleared>
}

/** What a clear of the browser's storage did to this device's files. */
export interface FilesCleared {
  /** Files that were held here and are no longer (now `failed` with a StorageClearedError: resume fetches them again). */
  lost: string[]
  /** Downloads that were running and start again, fetching from peers what was lost. */
  restarted: string[]
}

/** A file picked or dropped by the user. */
export interface NamedFile {
  readonly name: string
  readonly type?: string
  readonly size: number
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> }
}

export interface ShareOptions extends AbortOptions, ProgressOptions<ImportProgressEvents> {
  /** Room to record the file in (the room's messages carry its link key). */
  roomId?: string
}

export interface DownloadInit {
  /** Root CID and key, e.g. from `parseFileLink`. */
  cid: string
  key: Uint8Array
  /** PeerIds likely to hold the file (link hints, the room member who shared it). */
  providers?: string[]
  roomId?: string
}

export type { FileSource }

/** A running download's counters. */
export interface DownloadStats {
  /** Leaves held and their plaintext bytes. */
  blocks: number
  bytes: number
  totalBlocks?: number
  fetched: number
  skipped: number
  duplicates: number
  sources: Record<string, number>
  rejected: Record<string, string>
}

export interface DownloadHandlers {
  /** The manifest is known (the file's name, size, type). */
  onManifest?(manifest: FileManifest): void
  /** Stats changed (a block stored, a provider came or went). */
  onChange?(): void
  /** Blocks of the file now held (stored, or found held), for the peers we announce them to. */
  onHeld?(cids: CID[]): void
}

/** A reader's window of segments (see Download.playbackWindow). */
export interface PlaybackWindow {
  /** Segments `first`..`last` (inclusive) are read next. */
  set(first: number, last: number): void
  close(): void
}
