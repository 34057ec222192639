import { errorMessage, isStorageFull, STORAGE_FULL_ADVICE } from '../shared/errors.ts'
import type { FileRef } from './file-row-format.ts'
import { FileRowView, type FileRowHost } from './file-row.svelte.ts'
import { fileLink, parseFileLink, type FileAttachment, type Files, type FileSink, type NamedFile, type Peerlink, type SaveOptions, type TransferStatus } from './files-api.ts'
import { Notifier } from '../shared/notifier.svelte.ts'
import { serveRangeReads } from './range-bridge.ts'
import { uploadLimitOf } from './upload-limit.ts'
import { appUrl } from '../shared/routes.ts'
import { StorageModel } from './storage.svelte.ts'
import { makePreview } from './thumbnail.ts'
import { subscribe } from '../shared/subscribe.ts'
import type { Session } from '../session/session.svelte.ts'

/** Images shared in a room up to this size download by themselves. */
export const AUTO_DOWNLOAD_BYTES = 2 * 1024 * 1024

/** How long after it last served a block this browser counts as still sending a file (the wake lock holds meanwhile). */
const SERVING_IDLE_MS = 20_000

/** A file being imported (encrypted, chunked, stored) before it is shared. */
export interface ShareProgress {
  id: number
  name: string
  bytes: number
  size: number
}

/** A file this browser just shared: its root CID and its link (`<app>#/f/<cid>/<key>?p=<our PeerId>`). */
export interface SharedLink {
  cid: string
  name: string
  size: number
  link: string
}

/**
 * Every file this browser shares or downloads, following the running peer's
 * `files` events; the rows that show them (cached by CID), sharing picked or
 * dropped files, storage use, and a notification when a download completes
 * in the background.
 */
export class FilesModel implements FileRowHost {
  /** A peer is running: files can be shared and downloaded. */
  ready = $state(false)
  /** Every transfer, oldest first. */
  transfers = $state.raw<TransferStatus[]>([])
  /** Files being imported for sharing. */
  sharing = $state.raw<ShareProgress[]>([])
  /** Why the last share failed. */
  error = $state<string>()
  /** Blocks of a shared file were served to someone in the last SERVING_IDLE_MS. */
  serving = $state(false)
  readonly storage: StorageModel

  readonly #byCid: Record<string, TransferStatus> = $derived(Object.fromEntries(this.transfers.map(t => [t.cid, t])))
  /** Rows by CID: a plain cache (a row's own state is reactive, the cache need not be). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #rows = new Map<string, FileRowView>()
  #peer?: Peerlink
  #files?: Files
  #nextShare = 0
  #servingTimer?: ReturnType<typeof setTimeout>
  readonly #notifier: Notifier
  readonly #nameOf?: (peerId: string) => string
  /** Files {@link autoDownload} started (or chose not to fetch again), by CID. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #autoDownloaded = new Set<string>()

  /** Rows of every transfer, newest first. */
  readonly rows: FileRowView[] = $derived(this.transfers.map(t => this.row({ cid: t.cid })).reverse())

  #unsubscribe?: () => void

  /** Upload rate limit applied to every peer attached (`?upload-limit=` in the app's URL), bytes/s. */
  readonly #uploadLimit: number

  /**
   * `session`: follows its running peer's files (else {@link attach} does);
   * `nameOf`: a display name for a peer, for a row's messages about it.
   */
  constructor (options: {
    session?: Pick<Session, 'watchPeer'>
    storage?: StorageModel
    notifier?: Notifier
    href?: string
    nameOf?: (peerId: string) => string
  } = {}) {
    this.storage = options.storage ?? new StorageModel()
    this.#notifier = options.notifier ?? new Notifier()
    this.#nameOf = options.nameOf
    this.#uploadLimit = uploadLimitOf(options.href ?? location.href)
    // the service worker reads files still downloading through this page's peer (to play them while they download)
    if ('serviceWorker' in navigator) serveRangeReads(navigator.serviceWorker, () => this.#files)
    options.session?.watchPeer(peer => { this.attach(peer) })
  }

  /** Follows `peer`'s files (the running peer's), or nothing when no peer runs. */
  attach (peer: Peerlink | undefined): void {
    if (peer === this.#peer) return
    this.#unsubscribe?.()
    this.#peer = peer
    this.#files = peer?.files
    if (this.#files != null && this.#uploadLimit > 0) this.#files.uploadLimit = this.#uploadLimit
    this.ready = this.#files != null
    this.#unsubscribe = this.#files == null ? undefined : this.#follow(this.#files)
    this.transfers = (this.#files?.list() ?? []).map(copy)
  }

  /** A transfer runs: a file is being prepared, downloaded or sent to someone (the screen should stay on). */
  get busy (): boolean {
    return this.sharing.length > 0 || this.serving || this.transfers.some(t => t.direction === 'download' && (t.state === 'resolving' || t.state === 'downloading'))
  }

  status (cid: string): TransferStatus | undefined {
    return Object.hasOwn(this.#byCid, cid) ? this.#byCid[cid] : undefined
  }

  /** The row of a file (one per CID; a later reference adds what it knows, such as the key or providers). */
  row (ref: FileRef): FileRowView {
    const row = this.#rows.get(ref.cid)
    if (row == null) {
      const created = new FileRowView(this, { ...ref, providers: [...(ref.providers ?? [])] })
      this.#rows.set(ref.cid, created)
      return created
    }
    const known = row.ref
    known.key ??= ref.key
    known.name ??= ref.name
    known.size ??= ref.size
    known.type ??= ref.type
    known.roomId ??= ref.roomId
    known.preview ??= ref.preview
    for (const p of ref.providers ?? []) if (known.providers?.includes(p) === false) known.providers.push(p)
    return row
  }

  /** The row of a room message's file attachment (key as base64url), shared by `author`. */
  attachmentRow (file: FileAttachment, author: string, roomId: string): FileRowView | undefined {
    let key: Uint8Array | undefined
    try {
      key = parseFileLink(`/f/${file.cid}/${file.key}`).key
    } catch {
      return undefined // checked by core on receipt; a bad one is simply not offered
    }
    return this.row({ cid: file.cid, key, name: file.name, size: file.size, type: file.type, providers: [author], roomId, ...(file.preview == null ? {} : { preview: file.preview }) })
  }

  /**
   * A room member shared `file`: a small image (at most AUTO_DOWNLOAD_BYTES)
   * is downloaded at once, unless this browser has it, has it coming, or was
   * already asked to (a failed or deleted one is not fetched again by itself).
   */
  autoDownload (file: FileAttachment, author: string, roomId: string): void {
    if (!file.type.startsWith('image/') || file.size > AUTO_DOWNLOAD_BYTES || this.#files == null) return
    if (this.#autoDownloaded.has(file.cid) || this.#files.get(file.cid) != null) return
    this.#autoDownloaded.add(file.cid)
    const row = this.attachmentRow(file, author, roomId)
    if (row == null) return
    try {
      this.startDownload(row.ref)
    } catch (err) {
      row.error = `Could not download ${file.name}: ${errorMessage(err)}`
    }
  }

  /** The whole of a file held here, as a Blob of its type (throws when a block is missing). */
  async read (cid: string): Promise<Blob> {
    const files = this.#running()
    const status = files.get(cid)
    if (status?.state !== 'complete' || status.size == null) throw new Error('the file is not all here')
    const parts: Uint8Array<ArrayBuffer>[] = []
    for await (const chunk of files.readRange(cid, 0, status.size)) parts.push(chunk.slice())
    return new Blob(parts, { type: status.type ?? '' })
  }

  /**
   * Shares files one after the other (each is encrypted, chunked and stored,
   * announced on the relays, and posted in the room if `roomId` is given,
   * with a thumbnail when it is an image or video).
   * `onShared` is called with each file's link as soon as that file is shared;
   * the files shared are returned (a failed one is left out, `error` says why).
   */
  async share (files: Iterable<File>, roomId?: string, onShared?: (file: SharedLink) => void): Promise<SharedLink[]> {
    this.error = undefined
    const peer = this.#peer
    if (peer == null) {
      this.error = 'Peerlink is not running yet: try again in a moment.'
      return []
    }
    const queue = [...files].map(file => ({ file, progress: { id: ++this.#nextShare, name: file.name, bytes: 0, size: file.size } }))
    const shared: SharedLink[] = []
    if (queue.length === 0) return shared
    this.storage.persistOnce()
    this.sharing = [...this.sharing, ...queue.map(q => q.progress)]
    for (const { file, progress } of queue) {
      try {
        // the room message carries a thumbnail of an image or video (none when it cannot be made)
        const preview = roomId == null ? undefined : await makePreview(file)
        const result = await peer.shareFile(namedFile(file), {
          ...(roomId == null ? {} : { roomId }),
          ...(preview == null ? {} : { preview }),
          onProgress: (event) => { this.#progress(progress.id, event.detail.bytes) }
        })
        const link: SharedLink = { cid: result.status.cid, name: result.status.name ?? file.name, size: result.status.size ?? file.size, link: fileLink(appUrl(), result.link) }
        shared.push(link)
        onShared?.(link)
      } catch (err) {
        // nothing of a failed share is kept (core deletes what it stored)
        this.error = isStorageFull(err)
          ? `Storage is full: ${file.name} was not shared. ${STORAGE_FULL_ADVICE}, then share it again.`
          : `Could not share ${file.name}: ${errorMessage(err)}`
      } finally {
        this.sharing = this.sharing.filter(s => s.id !== progress.id)
        this.storage.refreshSoon()
      }
    }
    return shared
  }

  startDownload (ref: FileRef): void {
    const files = this.#running()
    if (ref.key == null) throw new Error('the file link key is unknown: open the file link again')
    this.storage.persistOnce()
    this.#put(copy(files.download({
      cid: ref.cid,
      key: ref.key,
      ...(ref.providers == null ? {} : { providers: ref.providers }),
      ...(ref.roomId == null ? {} : { roomId: ref.roomId })
    })))
  }

  async pause (cid: string): Promise<void> {
    await this.#running().pause(cid)
  }

  async resume (cid: string): Promise<void> {
    await this.#running().resume(cid)
  }

  async cancel (cid: string): Promise<void> {
    await this.#running().cancel(cid)
  }

  async save (cid: string, sink: FileSink, options: SaveOptions): Promise<void> {
    await this.#running().save(cid, sink, options)
  }

  link (ref: FileRef): string {
    const files = this.#running()
    // a file we hold names us as its peer hint; one still downloading names its known providers
    if (files.get(ref.cid)?.state === 'complete' || ref.key == null) return fileLink(appUrl(), files.linkOf(ref.cid))
    return fileLink(appUrl(), { cid: ref.cid, key: ref.key, hints: ref.providers ?? [] })
  }

  nameOf (peerId: string): string {
    return this.#nameOf?.(peerId) ?? peerId
  }

  noteDownloadClick (): void {
    this.#notifier.askOnce()
    this.storage.persistOnce()
  }

  #follow (files: Files): () => void {
    const update = (event: CustomEvent<TransferStatus>): void => {
      this.#put(copy(event.detail))
      this.storage.refreshSoon()
    }
    return subscribe(files, {
      'transfer:added': update,
      'transfer:updated': update,
      'transfer:complete': event => {
        update(event)
        this.#completed(event.detail)
      },
      'transfer:removed': ({ detail }) => {
        this.transfers = this.transfers.filter(t => t.cid !== detail.cid)
        // the row stays the one row of its CID (a room's log keeps showing it): it only forgets what it was to save
        this.#rows.get(detail.cid)?.removed()
        this.storage.refreshSoon()
      }
    })
  }

  #put (status: TransferStatus): void {
    const index = this.transfers.findIndex(t => t.cid === status.cid)
    if (status.served > (this.transfers[index]?.served ?? status.served)) this.#served()
    if (index === -1) this.transfers = [...this.transfers, status]
    else this.transfers = this.transfers.with(index, status)
  }

  #served (): void {
    this.serving = true
    clearTimeout(this.#servingTimer)
    this.#servingTimer = setTimeout(() => { this.serving = false }, SERVING_IDLE_MS)
  }

  #progress (id: number, bytes: number): void {
    this.sharing = this.sharing.map(s => s.id === id ? { ...s, bytes } : s)
  }

  #completed (status: TransferStatus): void {
    if (status.direction !== 'download') return
    void this.#rows.get(status.cid)?.completed()
    this.#notifier.notifyIfHidden('Download complete', `${status.name ?? 'A file'} is ready to save.`, status.cid)
  }

  #running (): Files {
    if (this.#files == null) throw new Error('Peerlink is not running yet')
    return this.#files
  }
}

/** A snapshot the UI can keep (core may update its own objects in place). */
function copy (status: TransferStatus): TransferStatus {
  return { ...status, sources: { ...status.sources }, rejected: { ...status.rejected } }
}

/** A picked or dropped File as core takes it. */
function namedFile (file: File): NamedFile {
  return { name: file.name, type: file.type, size: file.size, slice: (start, end) => file.slice(start, end) }
}

