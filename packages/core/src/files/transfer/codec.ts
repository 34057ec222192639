/**
 * Frames of the block protocol: each one a `BlockFrame` protobuf message
 * (pb/blocks.proto), length-prefixed on the stream.
 *
 *   client → server   open     root CID, haves?     the file this stream is about (first frame); haves: the client reads HAVE
 *                     want     CID, CID, …          send these blocks, in this order
 *                     cancel   CID, CID, …          no longer wanted
 *   server → client   block    CID, bytes           a wanted block
 *                     missing  CID                  a wanted block the server does not hold
 *                     have     CID, …, all?         blocks the server holds (only to a client that set haves)
 *
 * A CID is its binary form, canonical. Blocks are not trusted: the receiver
 * hashes them against their CID before keeping them.
 */
import { varint } from 'multiformats'
import { equals } from 'multiformats/bytes'
import { CID } from 'multiformats/cid'
import { MAX_BLOCK_BYTES } from '../constants.js'
import { BlockProtocolError } from '../errors.js'
import { MAX_CIDS_PER_FRAME } from './constants.js'
import { BlockFrame as PB } from './pb/blocks.js'
import type { Uint8ArrayList } from 'uint8arraylist'

export type BlockFrame =
  | { type: 'open', root: CID, haves?: boolean }
  | { type: 'want', cids: CID[] }
  | { type: 'cancel', cids: CID[] }
  | { type: 'block', cid: CID, bytes: Uint8Array }
  | { type: 'missing', cid: CID }
  | { type: 'have', cids: CID[], all?: boolean }

/** Longest binary CID accepted (CIDv1 with a 64-byte digest is 68 bytes). */
const MAX_CID_BYTES = 128

/** Protobuf keys (field number << 3 | wire type 2) of the fields a BLOCK frame is made of. */
const KEY_BLOCK = 4 << 3 | 2
const KEY_BLOCK_CID = 1 << 3 | 2
const KEY_BLOCK_DATA = 2 << 3 | 2

/** A BLOCK frame's fields before its data (keys, lengths and the CID) are within this many bytes. */
const MAX_BLOCK_HEADER_BYTES = 1 + 3 + 1 + 2 + MAX_CID_BYTES + 1 + 3

/** Decoding limits for the repeated fields. */
const LIMITS = { want: { cids: MAX_CIDS_PER_FRAME }, cancel: { cids: MAX_CIDS_PER_FRAME }, have: { cids: MAX_CIDS_PER_FRAME } }

export function encodeFrame (frame: BlockFrame): Uint8Array {
  switch (frame.type) {
    case 'open': return PB.encode({ open: { root: frame.root.bytes, haves: frame.haves === true } })
    case 'want': return PB.encode({ want: { cids: frame.cids.map(c => c.bytes) } })
    case 'cancel': return PB.encode({ cancel: { cids: frame.cids.map(c => c.bytes) } })
    case 'missing': return PB.encode({ missing: { cid: frame.cid.bytes } })
    case 'have': return PB.encode({ have: { cids: frame.cids.map(c => c.bytes), all: frame.all === true } })
    // the encoder only reads the block (typed for an ArrayBuffer's bytes)
    case 'block': return PB.encode({ block: { cid: frame.cid.bytes, data: frame.bytes as Uint8Array<ArrayBuffer> } })
  }
}

/**
 * What goes on the stream before a block of `length` bytes to make a
 * length-prefixed BLOCK frame: the frame's length and the frame up to the
 * block's bytes (the same bytes `encodeFrame` writes). A server sends it apart
 * from the block, which is then not copied into one buffer with it (see
 * BlockServer).
 */
export function blockFrameHead (cid: CID, length: number): Uint8Array {
  const cidBytes = cid.bytes
  const data = length === 0 ? [] : [KEY_BLOCK_DATA, ...varintBytes(length)]
  const fields = [KEY_BLOCK_CID, ...varintBytes(cidBytes.byteLength), ...cidBytes, ...data]
  const head = [KEY_BLOCK, ...varintBytes(fields.length + length), ...fields]
  return Uint8Array.from([...varintBytes(head.length + length), ...head])
}

/**
 * Decodes a frame as read from the stream, often split over several of the
 * stream's messages. A BLOCK frame's block is copied at most once (the frame
 * is not joined first when it is laid out as `encodeFrame` writes it): into a
 * buffer of its own, or into `alloc(length)` when given (a buffer used again);
 * other frames are small.
 *
 * @throws {BlockProtocolError} naming what is wrong with the frame
 */
export function decodeFrame (frame: Uint8Array | Uint8ArrayList, alloc?: (length: number) => Uint8Array): BlockFrame {
  if (!(frame instanceof Uint8Array)) {
    const block = splitBlock(frame)
    if (block != null) {
      checkBlockLength(block.length)
      const bytes = alloc?.(block.length) ?? new Uint8Array(block.length)
      let offset = 0
      for (const piece of frame.sublist(block.offset)) {
        bytes.set(piece, offset)
        offset += piece.byteLength
      }
      return { type: 'block', cid: block.cid, bytes }
    }
  }
  const decoded = decodeBytes(frame.subarray())
  if (decoded.type === 'block' && alloc != null) {
    const bytes = alloc(decoded.bytes.byteLength)
    bytes.set(decoded.bytes)
    return { ...decoded, bytes }
  }
  return decoded
}

function decodeBytes (bytes: Uint8Array): BlockFrame {
  if (bytes.byteLength === 0) throw new BlockProtocolError('empty frame')
  let pb: PB
  try {
    pb = PB.decode(bytes, { limits: LIMITS })
  } catch (err) {
    if ((err as Error).name === 'MaxLengthError') throw new BlockProtocolError(`more than ${MAX_CIDS_PER_FRAME} CIDs in one frame`)
    throw new BlockProtocolError(`malformed frame: ${(err as Error).message}`)
  }
  if (pb.open != null) return { type: 'open', root: parseCid(pb.open.root), ...(pb.open.haves ? { haves: true } : {}) }
  if (pb.want != null) return { type: 'want', cids: parseCids(pb.want.cids) }
  if (pb.cancel != null) return { type: 'cancel', cids: parseCids(pb.cancel.cids) }
  if (pb.block != null) {
    const cid = parseCid(pb.block.cid)
    checkBlockLength(pb.block.data.byteLength)
    return { type: 'block', cid, bytes: pb.block.data }
  }
  if (pb.missing != null) return { type: 'missing', cid: parseCid(pb.missing.cid) }
  // a HAVE may list nothing (the first one, from a server that holds nothing yet)
  if (pb.have != null) return { type: 'have', cids: pb.have.cids.map(parseCid), ...(pb.have.all ? { all: true } : {}) }
  throw new BlockProtocolError('a frame of no known type')
}

/**
 * Where the block starts in a BLOCK frame laid out as `encodeFrame` writes
 * it (its fields in order, nothing else), read without joining the frame;
 * undefined for any other frame (decoded whole).
 */
function splitBlock (frame: Uint8ArrayList): { cid: CID, offset: number, length: number } | undefined {
  const head = frame.subarray(0, Math.min(frame.byteLength, MAX_BLOCK_HEADER_BYTES))
  let offset = 0
  const key = (expected: number): boolean => head[offset++] === expected
  const length = (): number | undefined => {
    try {
      const [value, read] = varint.decode(head, offset)
      offset += read
      return value
    } catch {
      return undefined
    }
  }
  if (!key(KEY_BLOCK)) return undefined
  const inner = length()
  if (inner == null || offset + inner !== frame.byteLength || !key(KEY_BLOCK_CID)) return undefined
  const cidLength = length()
  if (cidLength == null || offset + cidLength > head.byteLength) return undefined
  const cid = parseCid(head.subarray(offset, offset + cidLength))
  offset += cidLength
  if (offset === frame.byteLength) return { cid, offset, length: 0 }
  if (!key(KEY_BLOCK_DATA)) return undefined
  const dataLength = length()
  if (dataLength == null || offset + dataLength !== frame.byteLength || dataLength === 0) return undefined
  return { cid, offset, length: dataLength }
}

function checkBlockLength (length: number): void {
  if (length > MAX_BLOCK_BYTES) throw new BlockProtocolError(`block larger than ${MAX_BLOCK_BYTES} bytes`)
}

function parseCids (list: Uint8Array[]): CID[] {
  if (list.length === 0) throw new BlockProtocolError('a request frame lists no CID')
  return list.map(parseCid)
}

function parseCid (bytes: Uint8Array): CID {
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_CID_BYTES) throw new BlockProtocolError('bad CID length')
  let cid: CID
  try {
    cid = CID.decode(bytes)
  } catch {
    throw new BlockProtocolError('malformed CID')
  }
  // CID.decode takes some non-canonical forms (a CIDv0 written as version 0 and a codec) that do not encode back the same
  if (!equals(cid.bytes, bytes)) throw new BlockProtocolError('non-canonical CID')
  return cid
}

function varintBytes (value: number): number[] {
  return [...varint.encodeTo(value, new Uint8Array(varint.encodingLength(value)))]
}
