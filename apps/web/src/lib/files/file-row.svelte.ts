import { CopyAction } from '../shared/clipboard.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { FilePreviewView } from './file-preview.svelte.ts'
import { FileRowFormat, type FileRef } from './file-row-format.ts'
import { SaveFlow, type SaveState } from './file-save-flow.ts'
import { serviceWorkerControls } from './file-save.ts'
import type { FileSink, SaveOptions, TransferStatus } from './files-api.ts'

/** What a row needs of the files model. */
export interface FileRowHost {
  status(cid: string): TransferStatus | undefined
  /** Starts (or resumes) the download of `ref`; throws when it cannot. */
  startDownload(ref: FileRef): void
  pause(cid: string): Promise<void>
  resume(cid: string): Promise<void>
  cancel(cid: string): Promise<void>
  /** Writes the file into `sink` as it downloads (see core's `files.save`). */
  save(cid: string, sink: FileSink, options: SaveOptions): Promise<void>
  /** The shareable link of the file (with our PeerId as a hint when we hold it). */
  link(ref: FileRef): string
  /** On a download click: ask for notification permission, request persistent storage. */
  noteDownloadClick(): void
  /** A display name for a peer (a room member's), for messages about it. */
  nameOf?(peerId: string): string
  /** The whole file from this device's store; throws when it is not all here. */
  read(cid: string): Promise<Blob>
}

/**
 * One shared or downloadable file as a row shows it (its texts: see
 * {@link FileRowFormat}), and what its buttons do: download and save (see
 * {@link SaveFlow}), play, pause/resume/cancel/delete and copying the file
 * link. Cached per CID by the files model.
 */
export class FileRowView extends FileRowFormat {
  readonly copier = new CopyAction()
  save = $state<SaveState>('idle')
  /** "Play" was pressed: the player shows (once the file's size is known) and streams it while it downloads. */
  playing = $state(false)
  /** Why the last action (download, save, pause…) failed. */
  error = $state<string>()
  readonly #saver: SaveFlow
  #preview?: FilePreviewView

  constructor (private readonly host: FileRowHost, ref: FileRef) {
    super(ref, () => host.status(ref.cid), peerId => host.nameOf?.(peerId) ?? peerId)
    this.#saver = new SaveFlow(this, {
      download: () => {
        if (this.canResume) void this.resume()
        else if (this.state !== 'resolving' && this.state !== 'downloading') this.host.startDownload(this.ref)
      },
      save: async (sink, signal) => this.host.save(this.ref.cid, sink, { signal }),
      onState: state => { this.save = state },
      onError: message => { this.error = message }
    })
  }

  /** The thumbnail a room message carried for this image or video, if any. */
  get preview (): FilePreviewView | undefined {
    const preview = this.ref.preview
    if (this.#preview == null && preview != null) {
      this.#preview = new FilePreviewView(preview, { type: this.ref.type ?? '', ...(this.size == null ? {} : { size: this.size }) }, async () => this.host.read(this.ref.cid))
    }
    return this.#preview
  }

  /** The player can start: the manifest is known (the worker needs the size to answer ranges). */
  get streamReady (): boolean {
    return this.playing && this.size != null && this.state !== 'resolving' && this.state !== 'available'
  }

  /** For tests and debugging: the transfer's counters and the save state as data attributes. */
  override get dataset (): Record<string, string | number> {
    return { ...super.dataset, 'data-save': this.save }
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

  /**
   * The "Download <name>" link was clicked: the file is saved now if it is
   * complete, else its download starts or resumes and it is saved into the
   * picked file as it downloads (without a file picker, when it completes).
   * (Opening the link in a new tab gets the worker's stream.)
   */
  click (event: MouseEvent): void {
    this.error = undefined
    this.host.noteDownloadClick()
    event.preventDefault()
    this.#saver.click()
  }

  /** Called by the model when the download completes: saves it through the service worker if a click asked for it. */
  async completed (): Promise<void> {
    await this.#saver.completed()
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

  /** The transfer is gone (cancelled): nothing is waiting to be saved, and a save under way is aborted. */
  removed (): void {
    this.#saver.removed()
    this.#preview?.release()
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

  async #act (what: string, action: () => Promise<void>): Promise<void> {
    this.error = undefined
    try {
      await action()
    } catch (err) {
      this.error = `Could not ${what}: ${errorMessage(err)}`
    }
  }
}
