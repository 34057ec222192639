import { describe, expect, it } from 'vitest'
import { BLOCK_SIZE, MAX_FILE_SIZE, SEGMENT_SIZE, TAG_BYTES } from '../../src/files/constants.js'
import { InvalidRangeError } from '../../src/files/errors.js'
import { ciphertextSize, playbackWindow, segmentBlockLength, segmentCount, segmentOffset, segmentPlainLength, segmentSpan } from '../../src/files/layout.js'

const S = SEGMENT_SIZE

describe('segment layout', () => {
  it('one encrypted segment fills one 256 KiB UnixFS block', () => {
    expect(BLOCK_SIZE).toBe(262_144)
    expect(SEGMENT_SIZE + TAG_BYTES).toBe(BLOCK_SIZE)
  })

  it('counts segments: an empty file has one', () => {
    expect(segmentCount(0)).toBe(1)
    expect(segmentCount(1)).toBe(1)
    expect(segmentCount(S)).toBe(1)
    expect(segmentCount(S + 1)).toBe(2)
    expect(segmentCount(1024 ** 3)).toBe(4097)
  })

  it('sizes segments and their blocks', () => {
    const size = 2 * S + 10
    expect([0, 1, 2].map(i => segmentPlainLength(i, size))).toEqual([S, S, 10])
    expect([0, 1, 2].map(i => segmentBlockLength(i, size))).toEqual([BLOCK_SIZE, BLOCK_SIZE, 10 + TAG_BYTES])
    expect(segmentPlainLength(0, 0)).toBe(0)
    expect(ciphertextSize(0)).toBe(TAG_BYTES)
    expect(ciphertextSize(size)).toBe(size + 3 * TAG_BYTES)
    expect(segmentOffset(3)).toBe(3 * BLOCK_SIZE)
  })
})

describe('segmentSpan (byte range → segments)', () => {
  const size = 3 * S + 100
  const cases: Array<[string, number, number, ReturnType<typeof segmentSpan>]> = [
    ['first byte', 0, 1, { first: 0, last: 0, skip: 0, length: 1 }],
    ['last byte of segment 0', S - 1, 1, { first: 0, last: 0, skip: S - 1, length: 1 }],
    ['first byte of segment 1', S, 1, { first: 1, last: 1, skip: 0, length: 1 }],
    ['the two bytes around the 0|1 boundary', S - 1, 2, { first: 0, last: 1, skip: S - 1, length: 2 }],
    ['exactly segment 1', S, S, { first: 1, last: 1, skip: 0, length: S }],
    ['segment 1 and one byte more', S, S + 1, { first: 1, last: 2, skip: 0, length: S + 1 }],
    ['the whole file', 0, size, { first: 0, last: 3, skip: 0, length: size }],
    ['past the end is cut at the end', 3 * S, 1000, { first: 3, last: 3, skip: 0, length: 100 }],
    ['the last byte', size - 1, 1, { first: 3, last: 3, skip: 99, length: 1 }],
    ['empty range', 5, 0, { first: 0, last: -1, skip: 0, length: 0 }],
    ['empty range at the end', size, 10, { first: 3, last: 2, skip: 0, length: 0 }]
  ]
  for (const [what, offset, length, expected] of cases) {
    it(what, () => {
      expect(segmentSpan(offset, length, size)).toEqual(expected)
    })
  }

  it('maps ranges of an empty file and of the largest file', () => {
    expect(segmentSpan(0, 10, 0)).toEqual({ first: 0, last: -1, skip: 0, length: 0 })
    const last = segmentCount(MAX_FILE_SIZE) - 1
    expect(segmentSpan(MAX_FILE_SIZE - 1, 1, MAX_FILE_SIZE)).toEqual({ first: last, last, skip: (MAX_FILE_SIZE - 1) % S, length: 1 })
  })

  it('rejects ranges that are not non-negative integers or start past the end', () => {
    for (const [offset, length] of [[-1, 1], [0, -1], [0.5, 1], [0, Number.NaN], [size + 1, 0], [2 ** 53, 1]]) {
      expect(() => segmentSpan(offset ?? 0, length ?? 0, size)).toThrow(InvalidRangeError)
    }
  })
})

describe('playbackWindow (what a player needs first)', () => {
  const size = 10 * SEGMENT_SIZE + 5
  it('covers the read and the read-ahead beyond it', () => {
    expect(playbackWindow(0, 1, size, 0)).toEqual({ first: 0, last: 0 })
    expect(playbackWindow(0, 1, size, 2 * SEGMENT_SIZE)).toEqual({ first: 0, last: 2 })
    expect(playbackWindow(3 * SEGMENT_SIZE + 7, 100, size, SEGMENT_SIZE)).toEqual({ first: 3, last: 4 })
  })
  it('moves with a seek and stops at the end of the file', () => {
    expect(playbackWindow(9 * SEGMENT_SIZE, 10, size, 8 * SEGMENT_SIZE)).toEqual({ first: 9, last: 10 })
    expect(playbackWindow(size - 1, 1, size, SEGMENT_SIZE)).toEqual({ first: 10, last: 10 })
    expect(playbackWindow(size, 0, size, SEGMENT_SIZE)).toEqual({ first: 10, last: 10 })
  })
  it('rejects a range past the end, like segmentSpan', () => {
    expect(() => playbackWindow(size + 1, 1, size, 0)).toThrow(InvalidRangeError)
  })
})
