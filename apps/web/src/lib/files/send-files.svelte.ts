import { CopyAction } from '../shared/clipboard.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { qrDataUrl } from '../shared/qr.ts'
import { droppedFiles } from './file-drop.ts'
import { bytesText, percent } from './file-format.ts'
import type { FilesModel, SharedLink } from './files-model.svelte.ts'

/** How many sent files the first screen keeps showing (the rest stay under the recent files). */
const MAX_SHOWN = 5

/**
 * A file sent from the first screen: its link, drawn as a QR code too, and how
 * much of it the others have got from this browser so far.
 */
export class SentFile {
  /** The QR code of the link (`data:` URL), once drawn. */
  qr = $state<string>()
  /** Why the QR code could not be drawn. */
  qrError = $state<string>()
  readonly copier = new CopyAction()

  constructor (readonly file: SharedLink, private readonly files: Pick<FilesModel, 'status'>) {
    qrDataUrl(file.link).then(
      url => { this.qr = url },
      () => { this.qrError = 'Could not draw the QR code.' }
    )
  }

  get cid (): string {
    return this.file.cid
  }

  get name (): string {
    return this.file.name
  }

  get link (): string {
    return this.file.link
  }

  /** Blocks of the file served to others (each downloader counts; capped at the file's size). */
  get served (): number {
    const status = this.files.status(this.cid)
    return Math.min(status?.served ?? 0, status?.totalBlocks ?? 0)
  }

  get totalBlocks (): number {
    return this.files.status(this.cid)?.totalBlocks ?? 0
  }

  /** Percent of the file's blocks served to others so far. */
  get percent (): number {
    return percent(this.served, this.totalBlocks)
  }

  get progressText (): string {
    if (this.served === 0) return `${bytesText(this.file.size)}: waiting for someone to open the link`
    if (this.served >= this.totalBlocks) return `${bytesText(this.file.size)}: sent`
    return `${bytesText(this.file.size)}: ${this.percent}% sent`
  }

  /** The browser can hand the link to another app (Web Share API: phones, some desktops). */
  get canShare (): boolean {
    return typeof navigator !== 'undefined' && typeof navigator.share === 'function'
  }

  async copy (): Promise<void> {
    await this.copier.copy(this.link)
  }

  /** Opens the system's share sheet with the link (a cancelled sheet is no error). */
  async share (): Promise<void> {
    try {
      await navigator.share({ title: this.name, url: this.link })
    } catch {
      // cancelled, or refused: the link can still be copied
    }
  }
}

/**
 * "Send files" on the first screen: picked or dropped files are shared by
 * link (no room), and each one's link and QR code show as soon as it is
 * prepared (while it is, its preparing progress shows: `FilesModel.sharing`).
 */
export class SendFiles {
  /** The files sent from this page, newest first. */
  sent = $state.raw<SentFile[]>([])
  /** Why dropped files could not be read. */
  error = $state<string>()

  constructor (private readonly files: FilesModel) {}

  get ready (): boolean {
    return this.files.ready
  }

  /** Shares `picked` by link; returns the files shared (a failed one is left out: `FilesModel.error` says why). */
  async send (picked: Iterable<File>): Promise<SharedLink[]> {
    this.error = undefined
    return this.files.share(picked, undefined, shared => {
      this.sent = [new SentFile(shared, this.files), ...this.sent.filter(s => s.cid !== shared.cid)].slice(0, MAX_SHOWN)
    })
  }

  /** Sends what was dropped: files, and every file inside dropped folders. */
  async drop (data: DataTransfer): Promise<void> {
    let picked: File[]
    try {
      picked = await droppedFiles(data)
    } catch (err) {
      this.error = `Could not read the dropped files: ${errorMessage(err)}`
      return
    }
    await this.send(picked)
  }
}
