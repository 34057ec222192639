/**
 * A PNG of 8-bit RGB or RGBA pixels, with nothing but node:zlib: used by
 * make-icons.mjs for the app's icons and by the e2e tests for pictures to
 * share. Plain TypeScript that Node runs as it is (type stripping).
 */
import { crc32, deflateSync } from 'node:zlib'

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

export interface PngOptions {
  /** 3 for RGB, 4 for RGBA. */
  channels: 3 | 4
  /** zlib's compression level for the pixel data (its default if absent). */
  level?: number
}

/**
 * Encodes a `width` × `height` PNG whose pixels `fillRow` writes, a row at a
 * time: `row` is that row's `width × channels` bytes (every row is stored
 * unfiltered).
 */
export function encodePng (width: number, height: number, options: PngOptions, fillRow: (y: number, row: Buffer) => void): Buffer {
  const stride = width * options.channels + 1 // each row starts with filter type 0 (none)
  const rows = Buffer.alloc(stride * height)
  for (let y = 0; y < height; y++) fillRow(y, rows.subarray(y * stride + 1, (y + 1) * stride))
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  // 8 bits per sample, RGB (2) or RGBA (6), deflate, no filter method, no interlace
  header.set([8, options.channels === 4 ? 6 : 2, 0, 0, 0], 8)
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, options.level != null ? { level: options.level } : {})),
    chunk('IEND', Buffer.alloc(0))
  ])
}

function chunk (type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.byteLength)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}
