/**
 * Arithmetic of the segment layout: how a plaintext size or byte range maps
 * onto encrypted segments (= UnixFS leaf blocks, in order).
 */
import { BLOCK_SIZE, MAX_FILE_SIZE, SEGMENT_SIZE, TAG_BYTES } from './constants.js'
import { InvalidRangeError } from './errors.js'

/** Segments of a file of `size` plaintext bytes: at least one (an empty file is one empty, authenticated segment). */
export function segmentCount (size: number): number {
  return Math.max(1, Math.ceil(size / SEGMENT_SIZE))
}

/** Plaintext bytes in segment `index` of a file of `size` bytes. */
export function segmentPlainLength (index: number, size: number): number {
  return Math.min(SEGMENT_SIZE, size - index * SEGMENT_SIZE)
}

/** Ciphertext bytes (= leaf block size) of segment `index` of a file of `size` bytes. */
export function segmentBlockLength (index: number, size: number): number {
  return segmentPlainLength(index, size) + TAG_BYTES
}

/** Bytes of the content DAG's file (all segments, with tags) for `size` bytes of plaintext. */
export function ciphertextSize (size: number): number {
  return size + segmentCount(size) * TAG_BYTES
}

/** Where segment `index` starts in the ciphertext (each full segment is exactly one BLOCK_SIZE leaf). */
export function segmentOffset (index: number): number {
  return index * BLOCK_SIZE
}

/** The segments that hold a plaintext byte range, and what to cut from them. */
export interface SegmentSpan {
  /** First segment to read. */
  first: number
  /** Last segment to read (inclusive); `last < first` when the range is empty. */
  last: number
  /** Bytes to skip at the start of the first segment. */
  skip: number
  /** Bytes of plaintext the range holds. */
  length: number
}

/**
 * Maps `length` bytes from `offset` of a file of `size` bytes to segments.
 * A range that runs past the end is cut at the end (like HTTP ranges).
 *
 * @throws {InvalidRangeError} if offset or length is not a non-negative safe integer, or offset is past the end
 */
export function segmentSpan (offset: number, length: number, size: number): SegmentSpan {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidRangeError(`invalid range: offset ${offset}, length ${length}`)
  }
  if (offset > size) throw new InvalidRangeError(`offset ${offset} is past the end of a ${size}-byte file`)
  const end = Math.min(size, offset + length)
  const first = Math.floor(offset / SEGMENT_SIZE)
  if (end === offset) return { first, last: first - 1, skip: 0, length: 0 }
  return { first, last: Math.floor((end - 1) / SEGMENT_SIZE), skip: offset - first * SEGMENT_SIZE, length: end - offset }
}

/** @returns whether `size` is a plaintext size this format accepts */
export function isValidFileSize (size: unknown): size is number {
  return typeof size === 'number' && Number.isSafeInteger(size) && size >= 0 && size <= MAX_FILE_SIZE
}

/**
 * The segments to fetch first for a player reading from `offset`: those the
 * read covers and `aheadBytes` beyond them (a sliding window ahead of the
 * playhead), cut at the end of the file.
 *
 * @throws {InvalidRangeError} as {@link segmentSpan}
 */
export function playbackWindow (offset: number, length: number, size: number, aheadBytes: number): { first: number, last: number } {
  const span = segmentSpan(offset, length, size)
  const lastSegment = segmentCount(size) - 1
  const end = Math.min(size, offset + Math.max(length, 1) + Math.max(0, aheadBytes))
  const last = Math.min(lastSegment, Math.max(span.last, Math.floor(Math.max(0, end - 1) / SEGMENT_SIZE)))
  return { first: Math.min(span.first, lastSegment), last }
}
