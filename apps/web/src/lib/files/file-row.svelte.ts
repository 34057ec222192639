import { CopyAction } from '../shared/clipboard.svelte.ts'
import { errorMessage, isStorageFull, STORAGE_FULL_ADVICE } from '../shared/errors.ts'
import { canPickSaveFile, downloadInFrame, fileServed, pickSaveFile, serviceWorkerControls, writeToHandle } from './file-save.ts'
import { bytesText, canPlayType, peersText, percent, rateText, relayLimitText } from './file-format.ts'
import { fileHref } from './files-route.ts'
import type { SharedFile, TransferStatus } from './files-api.ts'

/** What a row knows of a file before (or without) a transfer: from a room message or a file link. */
export interface FileRef {
  /** Root CID (base32). */
  cid: string
  /** Link key: needed to start a download, not for a file we already hold. */
  key?: Uint8Array
  name?: string
  size?: number
  type?: string
  /** PeerIds likely to hold the file. */
  providers?: string[]
  roomId?: string
}

/** What a row needs of the files model. */
export interface FileRowHost {
  status(cid: string): TransferStatus | undefined
  /** Starts (or resumes) the download of `ref`; throws when it cannot. */
  startDownload(ref: FileRef): void
  pause(cid: string): Promise<void>
  resume(cid: string): Promise<void>
  cancel(cid: string): Promise<void>
  open(cid: string): Promise<SharedFile>
  /** The shareable link of the file (with our PeerId as a hint when we hold it). */
  link(ref: FileRef): string
  /** On a download click: ask for notification permission, request persistent storage. */
  noteDownloadClick(): void
  /** A display name for a peer (a room member's), for messages about it. */
  nameOf?(peerId: string): string
}

/**
 * `available`: seen in a room, not downloaded here. Otherwise the transfer's state.
 */
export type RowState = TransferStatus['state'] | 'available'

/** Saving to disk: `waiting` for the download to complete, `saving` chunks to the picked file. */
export type SaveState = 'idle' | 'waiting' | 'saving' | 'saved' | 'failed'

/**
 * One shared or downloadable file as a row shows it: name, progress, rate,
 * peers, the download link and what clicking it does, pause/resume/cancel and
 * copying the file link. Cached per CID by the files model.
 */
export class FileRowView {
  readonly copier = new CopyAction()
  save = $state<SaveState>('idle')
  /** "Play" was pressed: the player shows (once the file's size is known) and streams it while it downloads. */
  playing = $state(false)
  /** Why the last action (download, save, pause…) failed. */
  error = $state<string>()
  /** Where to save once the download completes (picked during the click). */
  #pending?: { handle?: FileSystemFileHandle }

  constructor (private readonly host: FileRowHost, readonly ref: FileRef) {}

  get cid (): string {
    return this.ref.cid
  }

  get status (): TransferStatus | undefined {
    return this.host.status(this.ref.cid)
  }

  get state (): RowState {
    return this.status?.state ?? 'available'
  }

  /** The file's name ('' while a link is still resolving). */
  get name (): string {
    return this.status?.name ?? this.ref.name ?? ''
  }

  get size (): number | undefined {
    return this.status?.size ?? this.ref.size
  }

  get complete (): boolean {
    return this.state === 'complete'
  }

  /** A download is under way (or stopped half way): the progress bar shows. */
  get transferring (): boolean {
    const state = this.state
    return state === 'resolving' || state === 'downloading' || state === 'paused' || state === 'failed'
  }

  get canPause (): boolean {
    return this.state === 'resolving' || this.state === 'downloading'
  }

  get canResume (): boolean {
    return this.state === 'paused' || this.state === 'failed'
  }

  get canCancel (): boolean {
    return this.status?.direction === 'download' && this.transferring
  }

  /** A file held here (shared or downloaded): "Delete" forgets it and frees its storage. */
  get canDelete (): boolean {
    return this.complete
  }

  /** The download stopped because the browser's storage for this site is full. */
  get storageFull (): boolean {
    return this.state === 'failed' && isStorageFull(this.status?.error ?? '')
  }

  /** Why a failed download stopped, and what to do about it. */
  get stoppedText (): string | undefined {
    if (this.state !== 'failed') return undefined
    if (this.storageFull) {
      return `Storage is full: the download stopped at ${this.bytesText}. ${STORAGE_FULL_ADVICE}, then press "Resume": what is stored is kept.`
    }
    const relayLimit = this.status?.relayLimit
    if (relayLimit != null) return relayLimitText(relayLimit, relayLimit.peers.map(p => this.host.nameOf?.(p) ?? p))
    const error = this.status?.error
    return error == null ? undefined : `Download stopped: ${error}`
  }

  get bytes (): number {
    return this.status?.bytes ?? (this.complete ? this.size ?? 0 : 0)
  }

  get percent (): number {
    return percent(this.bytes, this.size)
  }

  /** "12.0 MB of 32.0 MB" */
  get bytesText (): string {
    const size = this.size
    if (size == null) return 'finding the file…'
    return this.complete ? bytesText(size) : `${bytesText(this.bytes)} of ${bytesText(size)}`
  }

  get rateText (): string {
    return this.state === 'downloading' ? rateText(this.status?.rate ?? 0) : ''
  }

  get peersText (): string {
    return this.state === 'downloading' || this.state === 'resolving' ? peersText(this.status?.peers ?? 0) : ''
  }

  /** The download link: the service worker streams the stored file. */
  get href (): string {
    return fileHref(this.ref.cid, this.name === '' ? 'file' : this.name, true)
  }

  /** A video or audio file this browser plays natively (MP4, WebM…): it gets a "Play" button. */
  get playable (): boolean {
    const type = this.status?.type ?? this.ref.type ?? ''
    return canPlayType(type)
  }

  /** Where the player reads the file: the service worker's files route, inline, with ranges. */
  get streamHref (): string {
    return fileHref(this.ref.cid, this.name === '' ? 'file' : this.name)
  }

  /** The player can start: the manifest is known (the worker needs the size to answer ranges). */
  get streamReady (): boolean {
    return this.playing && this.size != null && this.state !== 'resolving' && this.state !== 'available'
  }

  /**
   * "Play" was pressed: starts (or resumes) the download if the file is not
   * here, and shows the player, which gets the blocks it needs first.
   */
  async play (): Promise<void> {
    this.error = undefined
    try {
      await serviceWorkerControls()
      if (this.canResume) await this.host.resume(this.ref.cid)
      else if (!this.complete && this.state !== 'resolving' && this.state !== 'downloading') this.host.startDownload(this.ref)
      this.playing = true
    } catch (err) {
      this.error = `Could not play ${this.name}: ${errorMessage(err)}`
    }
  }

  /** For tests and debugging: the transfer's counters as data attributes. */
  get dataset (): Record<string, string | number> {
    const s = this.status
    return {
      'data-cid': this.ref.cid,
      'data-state': this.state,
      'data-direction': s?.direction ?? '',
      'data-save': this.save,
      'data-bytes': s?.bytes ?? 0,
      'data-blocks': s?.blocks ?? 0,
      'data-total-blocks': s?.totalBlocks ?? '',
      'data-served': s?.served ?? 0,
      'data-fetched': s?.fetched ?? 0,
      'data-skipped': s?.skipped ?? 0,
      'data-duplicates': s?.duplicates ?? 0,
      'data-sources': JSON.stringify(s?.sources ?? {}),
      'data-rejected': JSON.stringify(s?.rejected ?? {})
    }
  }

  /**
   * The "Download <name>" link was clicked. A complete file is saved at once:
   * to a file picked through the File System Access API where there is one
   * (streamed chunk by chunk), else the browser downloads the service worker's
   * stream of it. Otherwise the click starts or resumes the download, and the
   * file is saved when it completes. (Opening the link in a new tab also gets
   * the worker's stream.)
   */
  click (event: MouseEvent): void {
    this.error = undefined
    this.host.noteDownloadClick()
    const fsa = canPickSaveFile()
    event.preventDefault()
    // asked before anything is awaited: the picker needs the click's user activation
    const picked = fsa ? pickSaveFile(this.name === '' ? 'file' : this.name) : undefined
    if (this.complete) {
      void this.#saveNow(picked)
      return
    }
    this.#pending = {}
    this.save = 'waiting'
    try {
      if (this.canResume) void this.resume()
      else if (this.state !== 'resolving' && this.state !== 'downloading') this.host.startDownload(this.ref)
    } catch (err) {
      this.#failSave(`Could not start the download: ${errorMessage(err)}`)
      return
    }
    if (picked != null) {
      picked.then(handle => {
        if (handle == null) {
          // picker closed: the download goes on, nothing is saved
          this.#pending = undefined
          this.save = 'idle'
        } else if (this.#pending != null) {
          this.#pending.handle = handle
          if (this.complete) void this.completed()
        }
      }, err => { this.#failSave(`Could not pick where to save: ${errorMessage(err)}`) })
    }
  }

  /** Called by the model when the download completes: saves it if a click asked for it. */
  async completed (): Promise<void> {
    const pending = this.#pending
    if (pending == null) return
    if (canPickSaveFile()) {
      if (pending.handle == null) return // still picking; saved once picked
      this.#pending = undefined
      await this.#write(pending.handle)
      return
    }
    this.#pending = undefined
    await this.#follow()
  }

  async pause (): Promise<void> {
    await this.#act('pause', async () => this.host.pause(this.ref.cid))
  }

  async resume (): Promise<void> {
    await this.#act('resume', async () => this.host.resume(this.ref.cid))
  }

  async cancel (): Promise<void> {
    this.removed()
    await this.#act('cancel', async () => this.host.cancel(this.ref.cid))
  }

  /** Forgets a file held here (its blocks and record): its storage is freed, and it is no longer served. */
  async delete (): Promise<void> {
    this.removed()
    this.playing = false
    await this.#act('delete', async () => this.host.cancel(this.ref.cid))
  }

  /** The transfer is gone (cancelled): nothing is waiting to be saved. */
  removed (): void {
    this.#pending = undefined
    this.save = 'idle'
  }

  async copyLink (): Promise<void> {
    let link: string
    try {
      link = this.host.link(this.ref)
    } catch (err) {
      this.error = `Could not make the file link: ${errorMessage(err)}`
      return
    }
    await this.copier.copy(link)
  }

  async #saveNow (picked: Promise<FileSystemFileHandle | undefined> | undefined): Promise<void> {
    if (picked == null) {
      await this.#follow()
      return
    }
    let handle
    try {
      handle = await picked
    } catch (err) {
      this.#failSave(`Could not pick where to save: ${errorMessage(err)}`)
      return
    }
    if (handle != null) await this.#write(handle)
  }

  async #write (handle: FileSystemFileHandle): Promise<void> {
    this.save = 'saving'
    try {
      const file = await this.host.open(this.ref.cid)
      await writeToHandle(handle, file.read())
      this.save = 'saved'
    } catch (err) {
      this.#failSave(`Could not save ${this.name}: ${errorMessage(err)}`)
    }
  }

  async #follow (): Promise<void> {
    try {
      await serviceWorkerControls()
      await fileServed(this.href)
      downloadInFrame(this.href)
      this.save = 'saved'
    } catch (err) {
      this.#failSave(errorMessage(err))
    }
  }

  async #act (what: string, action: () => Promise<void>): Promise<void> {
    this.error = undefined
    try {
      await action()
    } catch (err) {
      this.error = `Could not ${what}: ${errorMessage(err)}`
    }
  }

  #failSave (message: string): void {
    this.#pending = undefined
    this.save = 'failed'
    this.error = message
  }
}
