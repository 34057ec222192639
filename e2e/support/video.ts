import { writeFile, mkdtemp } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'

const require = createRequire(import.meta.url)

export interface ClipOptions {
  seconds: number
  width: number
  height: number
  fps: number
  /** Target bitrate, bits/s (frames are noise, so the encoder reaches it). */
  bitrate: number
}

/**
 * Makes a seekable WebM clip (VP8, with cues and a duration) in `page`,
 * faster than real time: WebCodecs encodes canvas frames of noise with a
 * moving bar, webm-muxer writes the file. Returns the path of a temp file.
 */
export async function makeClip (page: Page, name: string, options: ClipOptions): Promise<{ path: string, size: number, seconds: number }> {
  await page.addScriptTag({ path: require.resolve('webm-muxer') /* its "require" entry: the IIFE build that sets globalThis.WebMMuxer */ })
  const base64 = await page.evaluate(async ({ seconds, width, height, fps, bitrate }) => {
    const { Muxer, ArrayBufferTarget } = (globalThis as unknown as { WebMMuxer: typeof import('webm-muxer') }).WebMMuxer
    const muxer = new Muxer({ target: new ArrayBufferTarget(), video: { codec: 'V_VP8', width, height, frameRate: fps }, firstTimestampBehavior: 'offset' })
    let failure: unknown
    const encoder = new VideoEncoder({ output: (chunk, meta) => muxer.addVideoChunk(chunk, meta), error: (err) => { failure = err } })
    encoder.configure({ codec: 'vp8', width, height, bitrate, framerate: fps })
    const canvas = new OffscreenCanvas(width, height)
    const ctx = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D
    const image = ctx.createImageData(width, height)
    for (let i = 0; i < seconds * fps; i++) {
      for (let offset = 0; offset < image.data.length; offset += 65536) crypto.getRandomValues(image.data.subarray(offset, offset + 65536))
      ctx.putImageData(image, 0, 0)
      ctx.fillStyle = '#fff'
      ctx.fillRect((i * 4) % width, 0, 16, height)
      const frame = new VideoFrame(canvas, { timestamp: Math.round(i * 1e6 / fps), duration: Math.round(1e6 / fps) })
      encoder.encode(frame, { keyFrame: i % (2 * fps) === 0 })
      frame.close()
      while (encoder.encodeQueueSize > 8) await new Promise(resolve => { encoder.addEventListener('dequeue', resolve, { once: true }) })
      if (failure != null) throw failure
    }
    await encoder.flush()
    muxer.finalize()
    const bytes = new Uint8Array(muxer.target.buffer)
    let text = ''
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(text)
  }, options)
  const bytes = Buffer.from(base64, 'base64')
  const path = join(await mkdtemp(join(tmpdir(), 'peerlink-clip-')), name)
  await writeFile(path, bytes)
  return { path, size: bytes.byteLength, seconds: options.seconds }
}
