/**
 * Frames of the block protocol (each one length-prefixed on the stream):
 *
 *   client → server   OPEN    0x00  root CID            the file this stream is about (first frame)
 *                     WANT    0x01  CID, CID, …         send these blocks, in this order
 *                     CANCEL  0x02  CID, CID, …         no longer wanted
 *   server → client   BLOCK   0x10  CID, bytes          a wanted block
 *                     MISSING 0x11  CID                 a wanted block the server does not hold
 *
 * A CID is its binary form prefixed with its length (unsigned varint). Blocks
 * are not trusted: the receiver hashes them against their CID before keeping
 * them.
 */
import { varint } from 'multiformats'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { MAX_BLOCK_BYTES } from '../constants.js'
import { BlockProtocolError } from '../errors.js'
import { MAX_CIDS_PER_FRAME } from './constants.js'
import type { Uint8ArrayList } from 'uint8arraylist'

export const FrameType = {
  OPEN: 0x00,
  WANT: 0x01,
  CANCEL: 0x02,
  BLOCK: 0x10,
  MISSING: 0x11
} as const

export type BlockFrame =
  | { type: 'open', root: CID }
  | { type: 'want', cids: CID[] }
  | { type: 'cancel', cids: CID[] }
  | { type: 'block', cid: CID, bytes: Uint8Array }
  | { type: 'missing', cid: CID }

/** Longest binary CID accepted (CIDv1 with a 64-byte digest is 68 bytes). */
const MAX_CID_BYTES = 128

/** A BLOCK frame's type, CID length and CID are within this many bytes. */
const MAX_BLOCK_HEADER_BYTES = 1 + 2 + MAX_CID_BYTES

export function encodeFrame (frame: BlockFrame): Uint8Array {
  switch (frame.type) {
    case 'open': return concat(FrameType.OPEN, [cidBytes(frame.root)])
    case 'want': return concat(FrameType.WANT, frame.cids.map(cidBytes))
    case 'cancel': return concat(FrameType.CANCEL, frame.cids.map(cidBytes))
    case 'missing': return concat(FrameType.MISSING, [cidBytes(frame.cid)])
    case 'block': return concat(FrameType.BLOCK, [cidBytes(frame.cid), frame.bytes])
  }
}

/**
 * What goes on the stream before a block of `length` bytes to make a
 * length-prefixed BLOCK frame: the frame's length, its type and the CID. A
 * server sends it apart from the block, which is then not copied into one
 * buffer with it (see serveBlocks).
 */
export function blockFrameHead (cid: CID, length: number): Uint8Array {
  const header = concat(FrameType.BLOCK, [cidBytes(cid)])
  const frameLength = header.byteLength + length
  const out = new Uint8Array(varint.encodingLength(frameLength) + header.byteLength)
  varint.encodeTo(frameLength, out)
  out.set(header, out.byteLength - header.byteLength)
  return out
}

/**
 * Decodes a frame as read from the stream, often split over several of the
 * stream's messages. A BLOCK frame's block is copied at most once (the frame
 * is not joined first): into a buffer of its own, or into `alloc(length)`
 * when given (a buffer used again); other frames are small.
 *
 * @throws {BlockProtocolError} naming what is wrong with the frame
 */
export function decodeFrame (frame: Uint8Array | Uint8ArrayList, alloc?: (length: number) => Uint8Array): BlockFrame {
  if (frame instanceof Uint8Array || frame.byteLength === 0 || frame.get(0) !== FrameType.BLOCK) return decodeBytes(frame.subarray())
  const reader = new Reader(frame.subarray(0, Math.min(frame.byteLength, MAX_BLOCK_HEADER_BYTES)), 1)
  const cid = reader.cid()
  const length = frame.byteLength - reader.offset
  if (length > MAX_BLOCK_BYTES) throw new BlockProtocolError(`block larger than ${MAX_BLOCK_BYTES} bytes`)
  if (alloc == null) return { type: 'block', cid, bytes: frame.subarray(reader.offset) }
  const bytes = alloc(length)
  let offset = 0
  for (const piece of frame.sublist(reader.offset)) {
    bytes.set(piece, offset)
    offset += piece.byteLength
  }
  return { type: 'block', cid, bytes }
}

function decodeBytes (bytes: Uint8Array): BlockFrame {
  if (bytes.byteLength === 0) throw new BlockProtocolError('empty frame')
  const reader = new Reader(bytes, 1)
  switch (bytes[0]) {
    case FrameType.OPEN: {
      const root = reader.cid()
      reader.end()
      return { type: 'open', root }
    }
    case FrameType.WANT:
    case FrameType.CANCEL: {
      const cids: CID[] = []
      while (!reader.done()) {
        if (cids.length === MAX_CIDS_PER_FRAME) throw new BlockProtocolError(`more than ${MAX_CIDS_PER_FRAME} CIDs in one frame`)
        cids.push(reader.cid())
      }
      if (cids.length === 0) throw new BlockProtocolError('a request frame lists no CID')
      return { type: bytes[0] === FrameType.WANT ? 'want' : 'cancel', cids }
    }
    case FrameType.BLOCK: {
      const cid = reader.cid()
      const block = reader.rest()
      if (block.byteLength > MAX_BLOCK_BYTES) throw new BlockProtocolError(`block larger than ${MAX_BLOCK_BYTES} bytes`)
      return { type: 'block', cid, bytes: block }
    }
    case FrameType.MISSING: {
      const cid = reader.cid()
      reader.end()
      return { type: 'missing', cid }
    }
    default:
      throw new BlockProtocolError(`unknown frame type ${bytes[0]}`)
  }
}

function cidBytes (cid: CID): Uint8Array {
  const bytes = cid.bytes
  const out = new Uint8Array(varint.encodingLength(bytes.byteLength) + bytes.byteLength)
  varint.encodeTo(bytes.byteLength, out)
  out.set(bytes, out.byteLength - bytes.byteLength)
  return out
}

function concat (type: number, parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(1 + parts.reduce((sum, p) => sum + p.byteLength, 0))
  out[0] = type
  let offset = 1
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

class Reader {
  constructor (private readonly bytes: Uint8Array, public offset: number) {}

  done (): boolean {
    return this.offset >= this.bytes.byteLength
  }

  end (): void {
    if (!this.done()) throw new BlockProtocolError('trailing bytes in frame')
  }

  rest (): Uint8Array {
    const rest = this.bytes.subarray(this.offset)
    this.offset = this.bytes.byteLength
    return rest
  }

  cid (): CID {
    let length: number
    let read: number
    try {
      [length, read] = varint.decode(this.bytes, this.offset)
    } catch {
      throw new BlockProtocolError('truncated CID length')
    }
    this.offset += read
    if (length === 0 || length > MAX_CID_BYTES || this.offset + length > this.bytes.byteLength) {
      throw new BlockProtocolError('bad CID length')
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length)
    this.offset += length
    let cid: CID
    try {
      cid = CID.decode(slice)
    } catch {
      throw new BlockProtocolError('malformed CID')
    }
    // CID.decode takes some non-canonical forms (a CIDv0 written as version 0 and a codec) that do not encode back the same
    if (!equals(cid.bytes, slice)) throw new BlockProtocolError('non-canonical CID')
    return cid
  }
}
