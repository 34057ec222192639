import { describe, expect, it } from 'vitest'
import { decryptSegment, decryptStream, encryptSegment, encryptStream, segmentNonce, segmentStream } from '../../src/files/aead.js'
import { SEGMENT_SIZE, TAG_BYTES } from '../../src/files/constants.js'
import { DecryptError } from '../../src/files/errors.js'
import { createFileKey, deriveFileKeys } from '../../src/files/keys.js'

function pattern (length: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff
  return bytes
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.byteLength
  }
  return out
}

async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

/** Splits bytes into chunks of the given sizes, cycling. */
function * chunked (bytes: Uint8Array, sizes: number[]): Generator<Uint8Array> {
  let offset = 0
  for (let i = 0; offset < bytes.byteLength; i++) {
    const n = sizes[i % sizes.length] ?? 1
    yield bytes.slice(offset, offset + n)
    offset += n
  }
}

describe('segmentStream', () => {
  const cases: Array<[string, number, number[]]> = [
    ['empty source → one empty last segment', 0, [1]],
    ['1 byte', 1, [1]],
    ['exactly one segment', SEGMENT_SIZE, [SEGMENT_SIZE]],
    ['one segment + 1, in odd chunks', SEGMENT_SIZE + 1, [1000, 7, 65536]],
    ['exactly two segments, one big chunk', 2 * SEGMENT_SIZE, [10 * SEGMENT_SIZE]],
    ['2.5 segments in chunks that straddle boundaries', Math.floor(2.5 * SEGMENT_SIZE), [SEGMENT_SIZE - 1, 3]]
  ]
  for (const [what, size, sizes] of cases) {
    it(what, async () => {
      const data = pattern(size)
      const segments = await collect(segmentStream(chunked(data, sizes)))
      expect(segments.map(s => s.index)).toEqual(segments.map((_, i) => i))
      expect(segments.map(s => s.last)).toEqual(segments.map((_, i) => i === segments.length - 1))
      expect(segments.length).toBe(Math.max(1, Math.ceil(size / SEGMENT_SIZE)))
      expect(segments.slice(0, -1).every(s => s.bytes.byteLength === SEGMENT_SIZE)).toBe(true)
      expect(Buffer.from(concat(segments.map(s => s.bytes))).equals(Buffer.from(data))).toBe(true)
    })
  }

  it('copies input chunks, so a source may reuse its buffer', async () => {
    const buffer = new Uint8Array(1000)
    async function * reusing (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 300; i++) {
        buffer.fill(i & 0xff)
        yield buffer
      }
    }
    const segments = await collect(segmentStream(reusing()))
    const all = concat(segments.map(s => s.bytes))
    expect(all[0]).toBe(0)
    expect(all[299_999]).toBe(299 & 0xff)
    expect(all[SEGMENT_SIZE]).toBe(Math.floor(SEGMENT_SIZE / 1000) & 0xff)
  })

  it('rejects sources that do not yield Uint8Arrays', async () => {
    await expect(collect(segmentStream(['text'] as unknown as Uint8Array[]))).rejects.toThrow(TypeError)
  })
})

describe('STREAM encryption', () => {
  it('nonce is the index (64-bit big-endian) and the last flag', () => {
    expect([...segmentNonce(0, false)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    expect([...segmentNonce(258, true)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1])
  })

  it('round-trips streams of several sizes; ciphertext is plaintext + one tag per segment', async () => {
    const { content } = await deriveFileKeys(createFileKey())
    for (const size of [0, 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * SEGMENT_SIZE + 5]) {
      const data = pattern(size, size)
      const ciphertexts = await collect(encryptStream([data], content))
      expect(ciphertexts.reduce((n, c) => n + c.byteLength, 0)).toBe(size + ciphertexts.length * TAG_BYTES)
      const plain = concat(await collect(decryptStream(ciphertexts, content)))
      expect(Buffer.from(plain).equals(Buffer.from(data))).toBe(true)
    }
  })

  it('the same key and plaintext give the same ciphertext (deterministic, for re-imports)', async () => {
    const { content } = await deriveFileKeys(createFileKey())
    const a = await collect(encryptStream([pattern(1000)], content))
    const b = await collect(encryptStream([pattern(1000)], content))
    expect(a).toEqual(b)
  })

  describe('detects tampering with DecryptError', () => {
    const setup = async (): Promise<{ key: CryptoKey, segments: Uint8Array[] }> => {
      const { content } = await deriveFileKeys(createFileKey())
      return { key: content, segments: await collect(encryptStream([pattern(3 * SEGMENT_SIZE + 10)], content)) }
    }

    it('a flipped ciphertext byte', async () => {
      const { key, segments } = await setup()
      const bad = segments[1]?.slice() ?? new Uint8Array()
      bad[100] = (bad[100] ?? 0) ^ 1
      await expect(decryptSegment(key, 1, false, bad)).rejects.toThrow(DecryptError)
    })

    it('reordered segments', async () => {
      const { key, segments } = await setup()
      const [s0, s1, ...rest] = segments
      await expect(collect(decryptStream([s1, s0, ...rest] as Uint8Array[], key))).rejects.toThrow(DecryptError)
    })

    it('a dropped middle segment', async () => {
      const { key, segments } = await setup()
      await expect(collect(decryptStream([segments[0], segments[2], segments[3]] as Uint8Array[], key))).rejects.toThrow(DecryptError)
    })

    it('a duplicated segment', async () => {
      const { key, segments } = await setup()
      await expect(collect(decryptStream([segments[0], segments[0], ...segments.slice(1)] as Uint8Array[], key))).rejects.toThrow(DecryptError)
    })

    it('a stream truncated at a segment boundary (the last flag is missing)', async () => {
      const { key, segments } = await setup()
      await expect(collect(decryptStream(segments.slice(0, -1), key))).rejects.toThrow(DecryptError)
      await expect(decryptSegment(key, 2, true, segments[2] ?? new Uint8Array())).rejects.toThrow(DecryptError)
    })

    it('a segment with bytes cut off, or shorter than a tag', async () => {
      const { key, segments } = await setup()
      await expect(decryptSegment(key, 3, true, segments[3]?.subarray(0, 20) ?? new Uint8Array())).rejects.toThrow(DecryptError)
      await expect(decryptSegment(key, 3, true, new Uint8Array(TAG_BYTES - 1))).rejects.toThrow(DecryptError)
    })

    it('a segment re-encrypted under another key', async () => {
      const { key, segments } = await setup()
      const other = await deriveFileKeys(createFileKey())
      const forged = await encryptSegment(other.content, 1, false, pattern(SEGMENT_SIZE))
      await expect(collect(decryptStream([segments[0], forged, ...segments.slice(2)] as Uint8Array[], key))).rejects.toThrow(DecryptError)
    })

    it('an empty stream', async () => {
      const { key } = await setup()
      await expect(collect(decryptStream([], key))).rejects.toThrow(DecryptError)
    })
  })
})
