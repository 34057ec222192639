/**
 * The size in pixels a thumbnail's header gives (PNG, JPEG, WebP), read
 * without decoding it: so a member can refuse a small file that would decode
 * to a huge picture.
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** The width and height `bytes` declare as a file of `type`, or undefined when they are not such a file's header. */
export function thumbnailSize (bytes: Uint8Array, type: string): { width: number, height: number } | undefined {
  switch (type) {
    case 'image/png': return pngSize(bytes)
    case 'image/jpeg': return jpegSize(bytes)
    case 'image/webp': return webpSize(bytes)
    default: return undefined
  }
}

function startsWith (bytes: Uint8Array, offset: number, expected: number[] | string): boolean {
  const values = typeof expected === 'string' ? [...expected].map(c => c.charCodeAt(0)) : expected
  return bytes.byteLength >= offset + values.length && values.every((v, i) => bytes[offset + i] === v)
}

function view (bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** The signature, then the IHDR chunk: width and height, 4 bytes each, big-endian. */
function pngSize (bytes: Uint8Array): { width: number, height: number } | undefined {
  if (!startsWith(bytes, 0, PNG_SIGNATURE) || !startsWith(bytes, 12, 'IHDR') || bytes.byteLength < 24) return undefined
  const data = view(bytes)
  return { width: data.getUint32(16), height: data.getUint32(20) }
}

/** The SOI marker, then segments up to the first start-of-frame: its height and width, 2 bytes each, big-endian. */
function jpegSize (bytes: Uint8Array): { width: number, height: number } | undefined {
  if (!startsWith(bytes, 0, [0xff, 0xd8, 0xff])) return undefined
  const data = view(bytes)
  let offset = 2
  while (offset + 4 <= bytes.byteLength) {
    if (bytes[offset] !== 0xff) return undefined
    const marker = bytes[offset + 1] as number
    if (marker === 0xff) { offset++; continue } // fill byte
    const length = data.getUint16(offset + 2)
    // SOF0 to SOF15, except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (offset + 9 > bytes.byteLength) return undefined
      return { width: data.getUint16(offset + 7), height: data.getUint16(offset + 5) }
    }
    if (marker === 0xda || length < 2) return undefined // the image data starts before any frame header
    offset += 2 + length
  }
  return undefined
}

/** RIFF…WEBP, then the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended) says the size. */
function webpSize (bytes: Uint8Array): { width: number, height: number } | undefined {
  if (!startsWith(bytes, 0, 'RIFF') || !startsWith(bytes, 8, 'WEBP') || bytes.byteLength < 30) return undefined
  const data = view(bytes)
  if (startsWith(bytes, 12, 'VP8 ') && startsWith(bytes, 23, [0x9d, 0x01, 0x2a])) {
    return { width: data.getUint16(26, true) & 0x3fff, height: data.getUint16(28, true) & 0x3fff }
  }
  if (startsWith(bytes, 12, 'VP8L') && bytes[20] === 0x2f) {
    const bits = data.getUint32(21, true)
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 }
  }
  if (startsWith(bytes, 12, 'VP8X')) {
    const width = (data.getUint32(24, true) & 0xffffff) + 1
    const height = (data.getUint32(26, true) >>> 8) + 1
    return { width, height }
  }
  return undefined
}
