/**
 * Thumbnail bytes for preview tests: the header of a PNG, JPEG or WebP (VP8X)
 * declaring `width` × `height`, padded with `fill` to `bytes` bytes. Core reads
 * the header only; the picture itself is not decoded.
 */
export type ThumbnailType = 'image/png' | 'image/jpeg' | 'image/webp'

export function thumbnail (type: ThumbnailType, width = 320, height = 240, bytes = 64, fill = 7): Uint8Array {
  const header = headerOf(type, width, height)
  const data = new Uint8Array(Math.max(bytes, header.byteLength)).fill(fill)
  data.set(header)
  return data
}

function headerOf (type: ThumbnailType, width: number, height: number): Uint8Array {
  const ascii = (text: string): number[] => [...text].map(c => c.charCodeAt(0))
  switch (type) {
    case 'image/png': {
      const header = new Uint8Array(33)
      header.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, ...ascii('IHDR')])
      const data = new DataView(header.buffer)
      data.setUint32(16, width)
      data.setUint32(20, height)
      header.set([8, 2, 0, 0, 0], 24)
      return header
    }
    case 'image/jpeg': {
      // SOI, an APP0 segment, then SOF0: precision, height, width, components
      const header = new Uint8Array(4 + 16 + 10)
      header.set([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...ascii('JFIF'), 0])
      header.set([0xff, 0xc0, 0, 8, 8], 20)
      const data = new DataView(header.buffer)
      data.setUint16(25, height)
      data.setUint16(27, width)
      return header
    }
    case 'image/webp': {
      const header = new Uint8Array(30)
      header.set([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBPVP8X'), 10, 0, 0, 0])
      const data = new DataView(header.buffer)
      data.setUint32(24, (width - 1) & 0xffffff, true)
      data.setUint32(26, data.getUint32(26, true) & 0xff | (((height - 1) & 0xffffff) << 8), true)
      return header
    }
  }
}
