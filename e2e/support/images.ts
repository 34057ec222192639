import { randomFillSync } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodePng } from '../../apps/web/scripts/png.js'

/**
 * Writes an RGB PNG of `width` × `height` to a temporary file: random noise
 * (which does not compress: about 3 bytes a pixel) or a smooth gradient.
 */
export async function makePng (name: string, width: number, height: number, fill: 'noise' | 'gradient'): Promise<{ path: string, size: number }> {
  const png = encodePng(width, height, { channels: 3 }, (y, row) => {
    if (fill === 'noise') randomFillSync(row)
    else for (let x = 0; x < width; x++) row.set([x * 255 / width, y * 255 / height, 128], x * 3)
  })
  const path = join(await mkdtemp(join(tmpdir(), 'peerlink-png-')), name)
  await writeFile(path, png)
  return { path, size: png.byteLength }
}
