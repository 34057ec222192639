import { mediaLengthText } from './file-format.ts'
import type { FilePreview } from './files-api.ts'
import { fitted } from './thumbnail.ts'

/** An image held here up to this size is shown whole in place of its thumbnail (read into memory). */
export const FULL_IMAGE_MAX_BYTES = 16 * 1024 * 1024

/**
 * A shared image's or video's preview as a room message shows it, before any
 * download: the thumbnail the sender made (a data URL), at the size the full
 * picture is fitted to (so nothing moves when it loads), marked as a video
 * with its length. Once an image is held here, the full image read from this
 * device's store (an object URL, revoked when the file goes).
 */
export class FilePreviewView {
  /** The full image's object URL, once read from this device's store. */
  full = $state<string>()
  readonly thumbnail: string
  /** Display size: the full picture's, fitted into the thumbnail's square. */
  readonly width: number
  readonly height: number
  readonly video: boolean
  /** A video's length ("0:45"), '' when unknown or for an image. */
  readonly length: string
  readonly #size: number
  #reading = false

  /** `read`: the file's bytes from this device's store (it throws when they are not all here). */
  constructor (preview: FilePreview, file: { type: string, size?: number }, private readonly read: () => Promise<Blob>) {
    this.#size = file.size ?? Infinity
    this.thumbnail = `data:${preview.type};base64,${base64(preview.thumbnail)}`
    const size = fitted(preview.width, preview.height)
    this.width = size.width
    this.height = size.height
    this.video = file.type.startsWith('video/')
    this.length = this.video && preview.durationMs != null ? mediaLengthText(preview.durationMs) : ''
  }

  /** What the `img` shows: the full image when read, else the thumbnail. */
  get src (): string {
    return this.full ?? this.thumbnail
  }

  /** The file is held here: an image not larger than FULL_IMAGE_MAX_BYTES is read and shown whole. */
  async showFull (): Promise<void> {
    if (this.video || this.full != null || this.#reading || this.#size > FULL_IMAGE_MAX_BYTES) return
    this.#reading = true
    try {
      this.full = URL.createObjectURL(await this.read())
    } catch {
      // not readable (any more): the thumbnail stays
    } finally {
      this.#reading = false
    }
  }

  /** The file is no longer held here: back to the thumbnail, the full image's URL revoked. */
  release (): void {
    if (this.full != null) URL.revokeObjectURL(this.full)
    this.full = undefined
  }
}

function base64 (bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text)
}
