import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'

/**
 * Writes an RGB PNG of `width` × `height` to a temporary file: random noise
 * (which does not compress: about 3 bytes a pixel) or a smooth gradient.
 */
export async function makePng (name: string, width: number, height: number, fill: 'noise' | 'gradient'): Promise<{ path: string, size: number }> {
  const rows = Buffer.alloc((width * 3 + 1) * height)
  for (let y = 0; y < height; y++) {
    const start = y * (width * 3 + 1) + 1 // each row starts with filter type 0 (none)
    if (fill === 'noise') randomBytes(width * 3).copy(rows, start)
    else for (let x = 0; x < width; x++) rows.set([x * 255 / width, y * 255 / height, 128], start + x * 3)
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8 bits per sample, RGB, deflate, no filter method, no interlace
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))])
  const path = join(await mkdtemp(join(tmpdir(), 'peerlink-png-')), name)
  await writeFile(path, png)
  return { path, size: png.byteLength }
}

function chunk (type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.byteLength)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}
