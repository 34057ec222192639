/**
 * Thumbnails of images and videos about to be shared in a room: a small
 * picture (longest side THUMBNAIL_SIDE px, WebP or else JPEG, aiming at
 * TARGET_BYTES) and the full file's size in pixels, a video's length too.
 * Images are decoded with createImageBitmap, videos by a <video> element
 * seeked to an early frame; both drawn on an OffscreenCanvas. A file that is
 * not a decodable image or video, or takes longer than PREVIEW_TIMEOUT_MS,
 * gets no preview (undefined), never an error.
 */
import { MAX_THUMBNAIL_BYTES, type FilePreview } from './files-api.ts'

/** Longest side of a thumbnail, px. */
export const THUMBNAIL_SIDE = 320
/** What a thumbnail aims at: smaller sides and qualities are tried until one fits. */
export const TARGET_BYTES = 24 * 1024
/** Longest a preview may take to make (a large image or a slow video decode). */
export const PREVIEW_TIMEOUT_MS = 8_000

/** Sides, then qualities, tried in turn until the thumbnail fits TARGET_BYTES. */
const ATTEMPTS = [[THUMBNAIL_SIDE, 0.8], [THUMBNAIL_SIDE, 0.6], [240, 0.6], [160, 0.5]] as const
/** The frame a video preview shows: this far in, or half way through a shorter video. */
const VIDEO_FRAME_S = 1

/** The display size of a `width` × `height` picture fitted into a THUMBNAIL_SIDE square (never enlarged). */
export function fitted (width: number, height: number, side: number = THUMBNAIL_SIDE): { width: number, height: number } {
  const scale = Math.min(1, side / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/**
 * The preview of an image or video file, or undefined when `file` is neither,
 * cannot be decoded here, or no thumbnail fits MAX_THUMBNAIL_BYTES.
 */
export async function makePreview (file: Blob, options: { signal?: AbortSignal } = {}): Promise<FilePreview | undefined> {
  const kind = file.type.split('/')[0]
  if (kind !== 'image' && kind !== 'video') return undefined
  const signal = AbortSignal.any([AbortSignal.timeout(PREVIEW_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
  try {
    return kind === 'image' ? await imagePreview(file, signal) : await videoPreview(file, signal)
  } catch {
    return undefined // not decodable here, or too slow: no preview
  }
}

async function imagePreview (file: Blob, signal: AbortSignal): Promise<FilePreview | undefined> {
  const bitmap = await abortable(createImageBitmap(file), signal)
  try {
    return await encode(bitmap, bitmap.width, bitmap.height, signal)
  } finally {
    bitmap.close()
  }
}

async function videoPreview (file: Blob, signal: AbortSignal): Promise<FilePreview | undefined> {
  const video = document.createElement('video')
  const url = URL.createObjectURL(file)
  try {
    video.muted = true
    video.playsInline = true
    video.preload = 'auto'
    video.src = url
    await abortable(once(video, 'loadeddata'), signal)
    const duration = Number.isFinite(video.duration) ? video.duration : 0
    video.currentTime = Math.min(VIDEO_FRAME_S, duration / 2)
    await abortable(once(video, 'seeked'), signal)
    const preview = await encode(video, video.videoWidth, video.videoHeight, signal)
    return preview == null || duration === 0 ? preview : { ...preview, durationMs: Math.round(duration * 1000) }
  } finally {
    video.removeAttribute('src')
    video.load()
    URL.revokeObjectURL(url)
  }
}

/** Draws `source` smaller and encodes it (WebP, or JPEG where the browser cannot write WebP). */
async function encode (source: CanvasImageSource, width: number, height: number, signal: AbortSignal): Promise<FilePreview | undefined> {
  if (width < 1 || height < 1) return undefined
  let smallest: Blob | undefined
  for (const [side, quality] of ATTEMPTS) {
    const size = fitted(width, height, side)
    const canvas = new OffscreenCanvas(size.width, size.height)
    const context = canvas.getContext('2d')
    if (context == null) return undefined
    context.drawImage(source, 0, 0, size.width, size.height)
    let blob = await canvas.convertToBlob({ type: 'image/webp', quality })
    // a browser that cannot write WebP writes PNG instead: JPEG is smaller
    if (blob.type !== 'image/webp') blob = await canvas.convertToBlob({ type: 'image/jpeg', quality })
    signal.throwIfAborted()
    if (smallest == null || blob.size < smallest.size) smallest = blob
    if (blob.size <= TARGET_BYTES) break
  }
  if (smallest == null || smallest.size > MAX_THUMBNAIL_BYTES) return undefined
  return { thumbnail: new Uint8Array(await smallest.arrayBuffer()), type: smallest.type, width, height }
}

async function once (target: HTMLMediaElement, event: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    target.addEventListener(event, () => { resolve() }, { once: true })
    target.addEventListener('error', () => { reject(new Error('the video cannot be decoded')) }, { once: true })
  })
}

async function abortable<T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  return Promise.race([promise, new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
  })])
}
