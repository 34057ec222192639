import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { MemoryChunkStore, type ChunkStore } from '../../src/files/chunk-store.js'
import { SEGMENT_SIZE } from '../../src/files/constants.js'
import { BlockNotFoundError, BlockVerificationError, DecryptError, InvalidRangeError } from '../../src/files/errors.js'
import { openFile, readFile, readRange } from '../../src/files/export.js'
import { fileBlocks } from '../../src/files/dag.js'
import { importFile, type ImportProgress } from '../../src/files/import.js'
import { createFileKey } from '../../src/files/keys.js'

const MiB = 1024 * 1024

function pattern (length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    bytes[i] = x >>> 24
  }
  return bytes
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

/** A store that serves `forged` bytes for one CID, as a lying peer or corrupted disk would. */
function lyingStore (store: ChunkStore, cid: CID, forged: Uint8Array): ChunkStore {
  return {
    get: async (c, options) => c.equals(cid) ? forged : store.get(c, options),
    put: async (c, bytes, options) => { await store.put(c, bytes, options) },
    has: async (c, options) => store.has(c, options),
    delete: async (c, options) => { await store.delete(c, options) }
  }
}

describe('import → read round trip', () => {
  for (const size of [0, 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * MiB + 7]) {
    it(`${size} bytes`, async () => {
      const store = new MemoryChunkStore()
      const data = pattern(size, size)
      const imported = await importFile(data, { name: 'data.bin', type: 'application/octet-stream' }, { store })
      expect(imported.manifest).toEqual({ version: 1, name: 'data.bin', type: 'application/octet-stream', size, segmentSize: SEGMENT_SIZE, segments: Math.max(1, Math.ceil(size / SEGMENT_SIZE)) })
      const { manifest, content } = await readFile(imported.cid, imported.key, { store })
      expect(manifest).toEqual(imported.manifest)
      expect((await collect(content)).equals(Buffer.from(data))).toBe(true)
    })
  }

  it('imports a Blob (File) and an async stream of odd chunks to the same CID, with progress', async () => {
    const data = pattern(2 * SEGMENT_SIZE + 3)
    const key = createFileKey()
    const events: ImportProgress[] = []
    const fromBlob = await importFile(new Blob([data as Uint8Array<ArrayBuffer>]), { name: 'a.txt', type: 'text/plain' }, { store: new MemoryChunkStore(), key }, {
      onProgress: event => { events.push(event.detail) }
    })
    async function * stream (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < data.byteLength; i += 9999) yield data.subarray(i, i + 9999)
    }
    const fromStream = await importFile(stream(), { name: 'a.txt', type: 'text/plain' }, { store: new MemoryChunkStore(), key })
    expect(fromStream.cid.equals(fromBlob.cid)).toBe(true)
    expect(events.map(e => e.bytes).sort((a, b) => a - b)).toEqual([SEGMENT_SIZE, 2 * SEGMENT_SIZE, data.byteLength])
    expect(events.every(e => e.total === data.byteLength)).toBe(true)
  })

  it('gives the same file a new random key, so a new CID, each time unless a key is passed', async () => {
    const store = new MemoryChunkStore()
    const data = pattern(1000)
    const a = await importFile(data, { name: 'x' }, { store })
    const b = await importFile(data, { name: 'x' }, { store })
    expect(a.cid.equals(b.cid)).toBe(false)
    expect(a.key).not.toEqual(b.key)
    const c = await importFile(data, { name: 'x' }, { store, key: a.key })
    expect(c.cid.equals(a.cid)).toBe(true)
  })

  it('reads ranges across segment boundaries', async () => {
    const store = new MemoryChunkStore()
    const data = pattern(4 * SEGMENT_SIZE + 100)
    const { cid, key } = await importFile(data, { name: 'v.mp4', type: 'video/mp4' }, { store })
    const file = await openFile(cid, key, { store })
    for (const [offset, length] of [[0, 1], [SEGMENT_SIZE - 1, 2], [SEGMENT_SIZE, SEGMENT_SIZE], [10, 3 * SEGMENT_SIZE], [4 * SEGMENT_SIZE + 99, 1], [4 * SEGMENT_SIZE, 10_000], [5, 0]]) {
      const got = await collect(file.readRange(offset ?? 0, length ?? 0))
      expect(got.equals(Buffer.from(data.subarray(offset, (offset ?? 0) + (length ?? 0))))).toBe(true)
    }
    expect((await collect(readRange(cid, key, SEGMENT_SIZE - 5, 10, { store }))).equals(Buffer.from(data.subarray(SEGMENT_SIZE - 5, SEGMENT_SIZE + 5)))).toBe(true)
    await expect(collect(file.readRange(-1, 1))).rejects.toThrow(InvalidRangeError)
  })

  it('a range read fetches only the leaves it covers', async () => {
    const store = new MemoryChunkStore()
    const { cid, key } = await importFile(pattern(10 * SEGMENT_SIZE), { name: 'v' }, { store })
    const fetched: string[] = []
    const counting: ChunkStore = { ...lyingStore(store, cid, new Uint8Array()), get: async (c, o) => { fetched.push(c.toString()); return store.get(c, o) } }
    const file = await openFile(cid, key, { store: counting })
    fetched.length = 0
    await collect(file.readRange(3 * SEGMENT_SIZE + 10, SEGMENT_SIZE))
    const leaves: string[] = []
    for await (const leaf of file.leaves()) leaves.push(leaf.cid.toString())
    expect(fetched.filter(c => leaves.includes(c))).toEqual([leaves[3], leaves[4]])
  })
})

describe('listing a file\'s blocks without its key', () => {
  it('yields root, manifest, content nodes and leaves: exactly the stored blocks', async () => {
    const store = new MemoryChunkStore()
    const { cid, key } = await importFile(pattern(5 * SEGMENT_SIZE), { name: 'f' }, { store })
    const listed: string[] = []
    for await (const block of fileBlocks(store, cid)) listed.push(block.toString())
    expect(listed).toHaveLength(store.size)
    expect(new Set(listed)).toEqual(new Set([...store.entries()].map(([k]) => k)))
    const file = await openFile(cid, key, { store })
    expect(listed.slice(0, 3)).toEqual([cid.toString(), file.manifestCid.toString(), file.contentCid.toString()])
    const viaFile: string[] = []
    for await (const block of file.blocks()) viaFile.push(block.toString())
    expect(viaFile).toEqual(listed)
    for (const block of listed) await store.delete(CID.parse(block))
    expect(store.size).toBe(0)
  })

  it('lists what a partial download holds with skipMissing, and throws without it', async () => {
    const store = new MemoryChunkStore()
    // 200 segments: the content is a node of two nodes (174 + 26 leaves)
    const { cid, key } = await importFile(pattern(200 * SEGMENT_SIZE), { name: 'big' }, { store })
    const file = await openFile(cid, key, { store })
    const { Links } = (await import('@ipld/dag-pb')).decode(await store.get(file.contentCid))
    const second = Links[1]!.Hash
    await store.delete(second)
    const listed: string[] = []
    for await (const block of fileBlocks(store, cid, { skipMissing: true })) listed.push(block.toString())
    // the missing node is named; its 26 leaves cannot be known (a download fetches a node before its leaves)
    expect(listed).toHaveLength(store.size - 26 + 1)
    expect(listed).toContain(second.toString())
    const all = async (): Promise<number> => {
      let n = 0
      for await (const block of fileBlocks(store, cid)) n += block.byteLength
      return n
    }
    await expect(all()).rejects.toThrow(BlockNotFoundError)
  })
})

describe('ciphertext only', () => {
  it('no stored block contains the plaintext, a canary in it, or the file name', async () => {
    const store = new MemoryChunkStore()
    const canary = 'PEERLINK-CANARY-7f3a9c'
    const text = `${canary} `.repeat(Math.ceil((SEGMENT_SIZE * 2.5) / (canary.length + 1)))
    await importFile(new TextEncoder().encode(text), { name: 'secret-plans-canary.txt', type: 'text/plain' }, { store })
    expect(store.size).toBe(3 + 3) // 3 leaves, content root node, manifest, root directory
    for (const [, bytes] of store.entries()) {
      const block = Buffer.from(bytes)
      for (const needle of [canary, 'CANARY', 'secret-plans', 'text/plain']) expect(block.includes(needle)).toBe(false)
    }
  })
})

describe('tampering and wrong keys', () => {
  it('a block whose bytes do not hash to its CID is refused on put', async () => {
    const store = new MemoryChunkStore()
    const bytes = pattern(1000)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    const flipped = bytes.slice()
    flipped[500] = (flipped[500] ?? 0) ^ 1
    await expect(store.put(cid, flipped)).rejects.toThrow(BlockVerificationError)
    expect(await store.has(cid)).toBe(false)
  })

  it('a flipped byte in a stored leaf, manifest or root → BlockVerificationError on read', async () => {
    const store = new MemoryChunkStore()
    const { cid, key } = await importFile(pattern(3 * SEGMENT_SIZE), { name: 'f' }, { store })
    const file = await openFile(cid, key, { store })
    const leaves = []
    for await (const leaf of file.leaves()) leaves.push(leaf.cid)
    for (const target of [leaves[1], file.manifestCid, cid, file.contentCid]) {
      if (target == null) throw new Error('no target')
      const forged = (await store.get(target)).slice()
      forged[7] = (forged[7] ?? 0) ^ 1
      const liar = lyingStore(store, target, forged)
      await expect((async () => collect((await openFile(cid, key, { store: liar })).read()))()).rejects.toThrow(BlockVerificationError)
    }
  })

  it('wrong key → DecryptError on the manifest', async () => {
    const store = new MemoryChunkStore()
    const { cid } = await importFile(pattern(100), { name: 'f' }, { store })
    await expect(openFile(cid, createFileKey(), { store })).rejects.toThrow(DecryptError)
  })

  it('a missing block → BlockNotFoundError', async () => {
    const store = new MemoryChunkStore()
    const { cid, key } = await importFile(pattern(2 * SEGMENT_SIZE), { name: 'f' }, { store })
    const file = await openFile(cid, key, { store })
    for await (const leaf of file.leaves(1, 1)) await store.delete(leaf.cid)
    await expect(collect(file.read())).rejects.toThrow(BlockNotFoundError)
    expect((await collect(file.readRange(0, 100))).byteLength).toBe(100)
  })
})

describe('aborting', () => {
  it('an import and a read stop with the signal\'s reason', async () => {
    const store = new MemoryChunkStore()
    const controller = new AbortController()
    async function * endless (): AsyncGenerator<Uint8Array> {
      for (let i = 0; ; i++) {
        if (i === 20) controller.abort(new Error('stop import'))
        yield new Uint8Array(64 * 1024)
      }
    }
    await expect(importFile(endless(), { name: 'x' }, { store }, { signal: controller.signal })).rejects.toThrow('stop import')

    const { cid, key } = await importFile(pattern(6 * SEGMENT_SIZE), { name: 'f' }, { store })
    const file = await openFile(cid, key, { store })
    const reading = new AbortController()
    let chunks = 0
    await expect((async () => {
      for await (const segment of file.read({ signal: reading.signal })) {
        expect(segment.byteLength).toBe(SEGMENT_SIZE)
        if (++chunks === 2) reading.abort(new Error('stop read'))
      }
    })()).rejects.toThrow('stop read')
    expect(chunks).toBe(2)
  })
})
