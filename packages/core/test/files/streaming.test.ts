import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import { describe, expect, it } from 'vitest'
import { MemoryChunkStore, type ChunkStore } from '../../src/files/chunk-store.js'
import { MAX_CHILDREN_PER_NODE, READ_AHEAD, SEGMENT_SIZE, TAG_BYTES } from '../../src/files/constants.js'
import { openFile } from '../../src/files/export.js'
import { importFile } from '../../src/files/import.js'

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
/** More than MAX_CHILDREN_PER_NODE segments, so the content DAG has two levels. */
const SIZE = 48 * MiB

/** Byte `offset` of the generated file. */
const byteAt = (offset: number): number => Math.floor(offset / CHUNK) & 0xff

describe('streaming: memory stays bounded by a few segments', () => {
  it('imports 48 MiB from a generator, storing blocks while it still produces; reads with bounded read-ahead', async () => {
    let produced = 0
    async function * source (): AsyncGenerator<Uint8Array> {
      for (let i = 0; produced < SIZE; i++) {
        produced += CHUNK
        yield new Uint8Array(CHUNK).fill(i & 0xff)
      }
    }
    const memory = new MemoryChunkStore()
    let firstPutAt: number | undefined
    let stored = 0
    let maxInFlight = 0
    const store: ChunkStore = {
      get: async (cid, options) => memory.get(cid, options),
      has: async (cid, options) => memory.has(cid, options),
      delete: async (cid, options) => { await memory.delete(cid, options) },
      put: async (cid, bytes, options) => {
        await memory.put(cid, bytes, options)
        if (cid.code !== raw.code || bytes.byteLength < 1000) return
        firstPutAt ??= produced
        stored += bytes.byteLength - TAG_BYTES
        maxInFlight = Math.max(maxInFlight, produced - stored)
      }
    }

    const { cid, key, manifest } = await importFile(source(), { name: 'big.bin' }, { store })
    expect(manifest.size).toBe(SIZE)
    expect(manifest.segments).toBeGreaterThan(MAX_CHILDREN_PER_NODE)
    expect(firstPutAt).toBeLessThan(2 * MiB)
    // bytes read from the source but not yet stored never exceeded 2 MiB (8 segments)
    expect(maxInFlight).toBeLessThan(2 * MiB)

    const file = await openFile(cid, key, { store: memory })
    const contentRoot = dagPb.decode(await memory.get(file.contentCid))
    expect(contentRoot.Links).toHaveLength(2) // 174 leaves + the rest

    // a range across the boundary between the two subtrees
    const at = MAX_CHILDREN_PER_NODE * SEGMENT_SIZE - 10
    const parts: Uint8Array[] = []
    for await (const part of file.readRange(at, 20)) parts.push(part)
    expect([...Buffer.concat(parts)]).toEqual(Array.from({ length: 20 }, (_, i) => byteAt(at + i)))

    // a slow reader: leaf fetches never run more than READ_AHEAD segments ahead of it
    let leafGets = 0
    let maxAhead = 0
    const counting: ChunkStore = { ...store, get: async (c, options) => { if (c.code === raw.code) leafGets++; return memory.get(c, options) } }
    const reader = await openFile(cid, key, { store: counting })
    let consumed = 0
    for await (const segment of reader.read()) {
      await new Promise(resolve => setTimeout(resolve, 1))
      expect(segment[0]).toBe(byteAt(consumed * SEGMENT_SIZE))
      maxAhead = Math.max(maxAhead, leafGets - consumed)
      if (++consumed === 20) break
    }
    expect(maxAhead).toBeLessThanOrEqual(READ_AHEAD + 1)
  })
})
