import 'fake-indexeddb/auto'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { MemoryChunkStore, type ChunkStore } from '../../src/files/chunk-store.js'
import { MAX_BLOCK_BYTES } from '../../src/files/constants.js'
import { BlockNotFoundError, BlockVerificationError, OversizedBlockError, StorageFullError, UnsupportedHashError, storageError } from '../../src/files/errors.js'
import { openFile } from '../../src/files/export.js'
import { IdbChunkStore } from '../../src/files/idb-chunk-store.js'
import { importFile } from '../../src/files/import.js'
import { verifyBlock } from '../../src/files/verify.js'

async function block (seed: number, length = 1000): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = new Uint8Array(length).fill(seed)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

describe('verifyBlock', () => {
  it('accepts bytes that hash to the CID, whatever its codec', async () => {
    const { cid, bytes } = await block(1)
    await verifyBlock(cid, bytes)
    await verifyBlock(CID.createV1(dagPb.code, cid.multihash), bytes)
  })

  it('rejects a flipped byte, a truncated block and an extra byte', async () => {
    const { cid, bytes } = await block(2)
    const flipped = bytes.slice()
    flipped[0] = 3
    await expect(verifyBlock(cid, flipped)).rejects.toThrow(BlockVerificationError)
    await expect(verifyBlock(cid, bytes.subarray(1))).rejects.toThrow(BlockVerificationError)
    await expect(verifyBlock(cid, new Uint8Array([...bytes, 0]))).rejects.toThrow(BlockVerificationError)
  })

  it('rejects hashes other than sha2-256 (identity, sha2-512) and blocks over MAX_BLOCK_BYTES', async () => {
    const bytes = new Uint8Array([1, 2, 3])
    await expect(verifyBlock(CID.createV1(raw.code, identity.digest(bytes)), bytes)).rejects.toThrow(UnsupportedHashError)
    await expect(verifyBlock(CID.createV1(raw.code, await sha512.digest(bytes)), bytes)).rejects.toThrow(UnsupportedHashError)
    const big = await block(4, MAX_BLOCK_BYTES + 1)
    await expect(verifyBlock(big.cid, big.bytes)).rejects.toThrow(OversizedBlockError)
  })
})

let dbCounter = 0
const stores: Array<[string, () => ChunkStore]> = [
  ['MemoryChunkStore', () => new MemoryChunkStore()],
  ['IdbChunkStore', () => new IdbChunkStore(`peerlink-files-test-${++dbCounter}`)]
]

for (const [name, create] of stores) {
  describe(name, () => {
    it('puts, gets, has and deletes blocks by CID', async () => {
      const store = create()
      const a = await block(1)
      const b = await block(2)
      expect(await store.has(a.cid)).toBe(false)
      await expect(store.get(a.cid)).rejects.toThrow(BlockNotFoundError)
      await store.put(a.cid, a.bytes)
      await store.put(b.cid, b.bytes)
      await store.put(a.cid, a.bytes) // again: no-op
      expect(await store.has(a.cid)).toBe(true)
      expect(await store.get(b.cid)).toEqual(b.bytes)
      await store.delete(a.cid)
      await store.delete(a.cid)
      expect(await store.has(a.cid)).toBe(false)
      expect(await store.has(b.cid)).toBe(true)
    })

    it('keeps a copy: mutating the caller\'s buffer after put changes nothing', async () => {
      const store = create()
      const a = await block(5)
      const bytes = a.bytes.slice()
      await store.put(a.cid, bytes)
      bytes.fill(0)
      await verifyBlock(a.cid, await store.get(a.cid))
    })

    it('refuses blocks that do not hash to their CID, and keeps nothing', async () => {
      const store = create()
      const a = await block(1)
      const b = await block(2)
      await expect(store.put(a.cid, b.bytes)).rejects.toThrow(BlockVerificationError)
      expect(await store.has(a.cid)).toBe(false)
      await expect(store.put(CID.createV1(raw.code, identity.digest(b.bytes)), b.bytes)).rejects.toThrow(UnsupportedHashError)
    })

    it('takes many concurrent puts (one batch) and reads them back', async () => {
      const store = create()
      const blocks = await Promise.all(Array.from({ length: 50 }, async (_, i) => block(i)))
      await Promise.all(blocks.map(async b => store.put(b.cid, b.bytes)))
      for (const b of blocks) expect(await store.get(b.cid)).toEqual(b.bytes)
    })

    it('stores a whole imported file that opens again', async () => {
      const store = create()
      const { cid, key } = await importFile(new Uint8Array(600_000).fill(9), { name: 'nine.bin' }, { store })
      const file = await openFile(cid, key, { store })
      let total = 0
      for await (const chunk of file.read()) total += chunk.byteLength
      expect(total).toBe(600_000)
    })
  })
}

describe('IdbChunkStore', () => {
  it('keeps blocks across instances (reloads), and deletes many at once', async () => {
    const dbName = 'peerlink-files-test-reload'
    const blocks = await Promise.all([1, 2, 3].map(async i => block(i)))
    const first = new IdbChunkStore(dbName)
    await Promise.all(blocks.map(async b => first.put(b.cid, b.bytes)))
    const second = new IdbChunkStore(dbName)
    for (const b of blocks) expect(await second.get(b.cid)).toEqual(b.bytes)
    await second.deleteMany(blocks.slice(0, 2).map(b => b.cid))
    expect(await Promise.all(blocks.map(async b => second.has(b.cid)))).toEqual([false, false, true])
  })
})

describe('a full storage', () => {
  it('fails every put of the refused batch with StorageFullError, keeps none of it, and stores again once there is room', async () => {
    const store = new IdbChunkStore('peerlink-files-test-full')
    const kept = await block(9)
    await store.put(kept.cid, kept.bytes)
    const blocks = await Promise.all([10, 11, 12].map(async i => block(i)))
    const put = IDBObjectStore.prototype.put
    // what Chromium does when the site is over its quota
    IDBObjectStore.prototype.put = function () { throw new DOMException('', 'QuotaExceededError') }
    try {
      const results = await Promise.allSettled(blocks.map(async b => store.put(b.cid, b.bytes)))
      for (const result of results) {
        expect(result.status).toBe('rejected')
        const reason = (result as PromiseRejectedResult).reason
        expect(reason).toBeInstanceOf(StorageFullError)
        expect(reason.name).toBe('StorageFullError')
        expect(reason.cause.name).toBe('QuotaExceededError')
      }
    } finally {
      IDBObjectStore.prototype.put = put
    }
    expect(await Promise.all(blocks.map(async b => store.has(b.cid)))).toEqual([false, false, false])
    expect(await store.get(kept.cid)).toEqual(kept.bytes)
    await Promise.all(blocks.map(async b => store.put(b.cid, b.bytes)))
    expect(await Promise.all(blocks.map(async b => store.has(b.cid)))).toEqual([true, true, true])
  })

  it('maps only the quota error, even when it is the cause', () => {
    const quota = new DOMException('', 'QuotaExceededError')
    expect(storageError(quota)).toBeInstanceOf(StorageFullError)
    expect(storageError(new Error('aborted', { cause: quota }))).toBeInstanceOf(StorageFullError)
    const other = new DOMException('', 'AbortError')
    expect(storageError(other)).toBe(other)
  })
})
