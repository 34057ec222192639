import * as dagPb from '@ipld/dag-pb'
import { exporter } from 'ipfs-unixfs-exporter'
import { importBytes, importer, type ImporterOptions } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced, trickle } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { encryptSegment, encryptStream } from '../../src/files/aead.js'
import { MemoryChunkStore } from '../../src/files/chunk-store.js'
import { BLOCK_SIZE, SEGMENT_SIZE } from '../../src/files/constants.js'
import { encodeRoot } from '../../src/files/dag.js'
import { DecryptError, InvalidDagError } from '../../src/files/errors.js'
import { openFile } from '../../src/files/export.js'
import { importFile } from '../../src/files/import.js'
import { createFileKey, deriveFileKeys } from '../../src/files/keys.js'
import { verifyBlock } from '../../src/files/verify.js'

const MiB = 1024 * 1024

function pattern (length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 131 + seed) & 0xff
  return bytes
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Buffer.concat(parts)
}

/** ipfs-unixfs-importer's blockstore interface over a ChunkStore. */
function blockstore (store: MemoryChunkStore): { put: (cid: CID, bytes: Uint8Array) => Promise<CID>, get: (cid: CID) => AsyncGenerator<Uint8Array> } {
  return {
    put: async (cid, bytes) => { await store.put(cid, bytes); return cid },
    get: async function * (cid) { yield await store.get(cid) }
  }
}

const STOCK: ImporterOptions = { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: BLOCK_SIZE }), layout: balanced({ maxChildrenPerNode: 174 }) }

describe('interop with ipfs-unixfs-importer / -exporter', () => {
  for (const size of [0, 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 3 * MiB + 7]) {
    it(`${size} bytes: the content and root CIDs are what the importer computes for the same ciphertext`, async () => {
      const store = new MemoryChunkStore()
      const data = pattern(size, size)
      const imported = await importFile(data, { name: 'f.bin' }, { store })
      const keys = await deriveFileKeys(imported.key)
      const ciphertext = await collect(encryptStream([data], keys.content))

      const direct = new MemoryChunkStore()
      const content = await importBytes(ciphertext, blockstore(direct), STOCK)
      expect(content.cid.equals(imported.contentCid)).toBe(true)
      // …which are also the importer's defaults
      expect((await importBytes(ciphertext, blockstore(new MemoryChunkStore()))).cid.equals(imported.contentCid)).toBe(true)

      const file = await openFile(imported.cid, imported.key, { store })
      const manifestBlock = await store.get(file.manifestCid)
      let root: CID | undefined
      for await (const entry of importer([{ path: 'content', content: ciphertext }, { path: 'manifest', content: manifestBlock }], blockstore(direct), { ...STOCK, wrapWithDirectory: true })) root = entry.cid
      expect(root?.equals(imported.cid)).toBe(true)
    })
  }

  it('every block is CIDv1 sha2-256 (raw leaves, dag-pb nodes) and verifies', async () => {
    const store = new MemoryChunkStore()
    await importFile(pattern(3 * MiB), { name: 'f' }, { store })
    const codecs = new Map<number, number>()
    for (const [key, bytes] of store.entries()) {
      const cid = CID.parse(key)
      expect(cid.version).toBe(1)
      expect(cid.multihash.code).toBe(sha256.code)
      expect([raw.code, dagPb.code]).toContain(cid.code)
      expect(bytes.byteLength).toBeLessThanOrEqual(BLOCK_SIZE)
      await verifyBlock(cid, bytes)
      codecs.set(cid.code, (codecs.get(cid.code) ?? 0) + 1)
    }
    expect(codecs.get(raw.code)).toBe(13 + 1) // 13 leaves + the manifest
    expect(codecs.get(dagPb.code)).toBe(2) // the content's root node + the directory
  })

  it('a stock UnixFS exporter reads the directory: ciphertext under "content", the manifest block under "manifest"', async () => {
    const store = new MemoryChunkStore()
    const data = pattern(2 * MiB + 3)
    const imported = await importFile(data, { name: 'f' }, { store })
    const bs = blockstore(store)
    const dir = await exporter(imported.cid, bs)
    expect(dir.type).toBe('directory')
    if (dir.type !== 'directory') return
    const names = []
    for await (const entry of dir.entries()) names.push(entry.name)
    expect(names).toEqual(['content', 'manifest'])
    const content = await exporter(`${imported.cid}/content`, bs)
    if (content.type !== 'file') throw new Error(`content is ${content.type}`)
    const keys = await deriveFileKeys(imported.key)
    expect((await collect(content.content())).equals(await collect(encryptStream([data], keys.content)))).toBe(true)
    const manifest = await exporter(`${imported.cid}/manifest`, bs)
    if (manifest.type !== 'raw') throw new Error(`manifest is ${manifest.type}`)
    expect((await collect(manifest.content())).equals(Buffer.from(await store.get(manifest.cid)))).toBe(true)
  })
})

/**
 * Builds a file whose content is `transform` of the genuine ciphertext
 * segments, under the genuine manifest and key: what a malicious or buggy
 * sharer could publish. Every block is correctly hashed.
 */
async function forge (transform: (segments: Uint8Array[]) => Promise<Uint8Array[]> | Uint8Array[], options: ImporterOptions = STOCK): Promise<{ store: MemoryChunkStore, cid: CID, key: Uint8Array, data: Uint8Array }> {
  const store = new MemoryChunkStore()
  const data = pattern(7 * SEGMENT_SIZE + 5)
  const genuine = await importFile(data, { name: 'f' }, { store })
  const file = await openFile(genuine.cid, genuine.key, { store })
  const keys = await deriveFileKeys(genuine.key)
  const segments = []
  for await (const c of encryptStream([data], keys.content)) segments.push(c)
  const content = await importBytes(Buffer.concat(await transform(segments)), blockstore(store), options)
  const manifestBlock = await store.get(file.manifestCid)
  const root = await encodeRoot(content, { cid: file.manifestCid, size: manifestBlock.byteLength })
  await store.put(root.cid, root.bytes)
  return { store, cid: root.cid, key: genuine.key, data }
}

describe('other layouts and forged DAGs', () => {
  it('reads any balanced or trickle DAG of the same leaves, however deep', async () => {
    for (const layout of [balanced({ maxChildrenPerNode: 2 }), trickle({ maxChildrenPerNode: 3, layerRepeat: 1 })]) {
      const { store, cid, key, data } = await forge(s => s, { ...STOCK, layout })
      const file = await openFile(cid, key, { store })
      expect((await collect(file.read())).equals(Buffer.from(data))).toBe(true)
      const at = 5 * SEGMENT_SIZE - 3
      expect((await collect(file.readRange(at, SEGMENT_SIZE + 6))).equals(Buffer.from(data.subarray(at, at + SEGMENT_SIZE + 6)))).toBe(true)
    }
  })

  it('correctly hashed but reordered segments → DecryptError', async () => {
    const { store, cid, key } = await forge(([s0, s1, ...rest]) => [s1, s0, ...rest] as Uint8Array[])
    const file = await openFile(cid, key, { store })
    await expect(collect(file.read())).rejects.toThrow(DecryptError)
    // the untouched segments still read
    expect((await collect(file.readRange(3 * SEGMENT_SIZE, 10))).byteLength).toBe(10)
  })

  it('correctly hashed but re-encrypted segment (same index, another key) → DecryptError', async () => {
    const other = await deriveFileKeys(createFileKey())
    const forged = await encryptSegment(other.content, 2, false, new Uint8Array(SEGMENT_SIZE))
    const { store, cid, key } = await forge(s => [...s.slice(0, 2), forged, ...s.slice(3)])
    await expect(collect((await openFile(cid, key, { store })).readRange(2 * SEGMENT_SIZE, 1))).rejects.toThrow(DecryptError)
  })

  it('a segment moved to the end (flagged not-last, read as last) → DecryptError', async () => {
    // 7 full segments + a 5-byte last one; replace the last with a copy of a full one cut to fit: sizes then disagree
    const { store, cid, key } = await forge(s => [...s.slice(0, 7), (s[6] ?? new Uint8Array()).subarray(0, 21)])
    await expect(collect((await openFile(cid, key, { store })).readRange(7 * SEGMENT_SIZE, 5))).rejects.toThrow(DecryptError)
  })

  it('a truncated content (last segment dropped) under the genuine manifest → InvalidDagError', async () => {
    const { store, cid, key } = await forge(s => s.slice(0, -1))
    await expect(collect((await openFile(cid, key, { store })).read())).rejects.toThrow(InvalidDagError)
  })
})
