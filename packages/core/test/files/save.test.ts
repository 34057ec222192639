/**
 * Saving a file while it downloads (transfer/save.ts): written in file order
 * as the contiguous prefix of blocks grows, whatever order they arrive in;
 * held by a paused download and continued by the next; no faster than the
 * sink takes it; and the sink aborted, never closed, on any failure.
 */
import { describe, expect, it } from 'vitest'
import { MemoryChunkStore, type ReadableChunkStore } from '../../src/files/chunk-store.js'
import { READ_AHEAD, SEGMENT_SIZE } from '../../src/files/constants.js'
import { BlockVerificationError, DownloadFailedError, StorageFullError, TransferStoppedError } from '../../src/files/errors.js'
import { openFile } from '../../src/files/export.js'
import { importFile } from '../../src/files/import.js'
import { followTransfer, saveInOrder, type FileSink, type FollowComponents, type TransferNow } from '../../src/files/transfer/save.js'
import type { TransferState } from '../../src/files/transfer/types.js'
import type { AbortOptions } from '@libp2p/interface'
import { CID } from 'multiformats/cid'

/** 13 segments, the last one short. */
const SIZE = 12 * SEGMENT_SIZE + 1234

function pattern (length: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = 7
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    bytes[i] = x >>> 24
  }
  return bytes
}

/** Plaintext bytes in segments 0..n-1. */
const prefixBytes = (n: number): number => Math.min(SIZE, n * SEGMENT_SIZE)

/** A file shared elsewhere (`source`); here only its root, manifest and DAG nodes are stored, as a download has them first. */
async function sharedFile (): Promise<{ data: Uint8Array, cid: CID, key: Uint8Array, source: MemoryChunkStore, leaves: CID[], stored: MemoryChunkStore }> {
  const data = pattern(SIZE)
  const source = new MemoryChunkStore()
  const { cid, key } = await importFile(data, { name: 'saved.bin' }, { store: source })
  const leaves: CID[] = []
  for await (const leaf of (await openFile(cid, key, { store: source })).leaves()) leaves.push(leaf.cid)
  const stored = new MemoryChunkStore()
  const leafKeys = new Set(leaves.map(String))
  for (const [k, bytes] of source.entries()) {
    if (!leafKeys.has(k)) await stored.put(CID.parse(k), bytes)
  }
  return { data, cid, key, source, leaves, stored }
}

/** A running download as a save sees it: `reader` waits for a block until `arrive` stores it, or rejects when `stop` is called. */
class FakeDownload {
  private readonly waiting = new Map<string, Array<{ resolve(b: Uint8Array): void, reject(e: Error): void }>>()
  /** Leaf gets asked of this download. */
  gets = 0

  constructor (private readonly source: MemoryChunkStore, private readonly stored: MemoryChunkStore) {}

  readonly reader: ReadableChunkStore = {
    get: async (cid: CID, options: AbortOptions = {}) => {
      if (await this.stored.has(cid)) return this.stored.get(cid)
      this.gets++
      return new Promise((resolve, reject) => {
        const list = this.waiting.get(cid.toString()) ?? []
        list.push({ resolve, reject })
        this.waiting.set(cid.toString(), list)
        options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
      })
    }
  }

  async arrive (cid: CID): Promise<void> {
    const bytes = await this.source.get(cid)
    await this.stored.put(cid, bytes)
    for (const w of this.waiting.get(cid.toString()) ?? []) w.resolve(bytes)
    this.waiting.delete(cid.toString())
  }

  stop (err: Error): void {
    for (const list of this.waiting.values()) for (const w of list) w.reject(err)
    this.waiting.clear()
  }
}

/** The service's view of one transfer: its state and download, changed by the test. */
class FakeTransfer implements FollowComponents {
  now: TransferNow | undefined
  private wake: Array<() => void> = []

  constructor (readonly store: ReadableChunkStore, download?: FakeDownload) {
    this.now = { state: 'downloading', ...(download == null ? {} : { download }) }
  }

  current (): TransferNow | undefined {
    return this.now
  }

  async changed (options: AbortOptions): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.wake.push(resolve)
      options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true })
    })
  }

  set (now: TransferNow | undefined): void {
    this.now = now
    const wake = this.wake
    this.wake = []
    for (const w of wake) w()
  }

  state (state: TransferState, download?: FakeDownload): void {
    this.set({ state, ...(download == null ? {} : { download }) })
  }
}

/** A real WritableStream's writer whose underlying writes finish when the test says (a slow disk), recording what happened. */
function slowSink (slow = false): { sink: FileSink, written: () => Buffer, sizes: number[], events: string[], maxInFlight: () => number, next: () => void, reached: (bytes: number) => Promise<void> } {
  const chunks: Uint8Array[] = []
  const events: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  let total = 0
  // a slow sink's writes each wait for a permit from `next`
  let permits = 0
  let gate: (() => void) | undefined
  const watchers: Array<{ bytes: number, resolve(): void }> = []
  const stream = new WritableStream<Uint8Array>({
    write: async (chunk) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      if (slow) {
        if (permits === 0) await new Promise<void>(resolve => { gate = resolve })
        permits--
      }
      chunks.push(chunk.slice())
      total += chunk.byteLength
      inFlight--
      for (const w of watchers.filter(w => total >= w.bytes)) w.resolve()
    },
    close: () => { events.push('close') },
    abort: (reason) => { events.push(`abort ${(reason as Error).name}`) }
  })
  return {
    sink: stream.getWriter(),
    written: () => Buffer.concat(chunks),
    get sizes () { return chunks.map(c => c.byteLength) },
    events,
    maxInFlight: () => maxInFlight,
    next: () => {
      permits++
      gate?.()
      gate = undefined
    },
    reached: async (bytes) => {
      if (total >= bytes) return
      await new Promise<void>(resolve => watchers.push({ bytes, resolve }))
    }
  }
}

/** Saves the file through `transfer` into `sink`, as Files.save does. */
async function save (file: { cid: CID, key: Uint8Array }, transfer: FakeTransfer, sink: FileSink, options: AbortOptions & { readAhead?: number, writeBytes?: number } = {}): Promise<void> {
  const followed = followTransfer(transfer)
  await saveInOrder(async (o) => openFile(file.cid, file.key, { store: followed.store }, o), sink, { ...options, finish: async (o) => followed.completed(o) })
}

function shuffled<T> (items: T[], seed: number): T[] {
  const out = items.slice()
  let x = seed
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) >>> 0
    const j = x % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

describe('saving while downloading', () => {
  it('writes each segment once it and all before it have arrived, whatever order the blocks arrive in; closes once the download completes', async () => {
    const file = await sharedFile()
    const download = new FakeDownload(file.source, file.stored)
    const transfer = new FakeTransfer(file.stored, download)
    const out = slowSink()
    const saving = save(file, transfer, out.sink)

    const arrived = new Set<number>()
    let prefix = 0
    for (const index of shuffled(file.leaves.map((_, i) => i), 42)) {
      await download.arrive(file.leaves[index]!)
      arrived.add(index)
      while (arrived.has(prefix)) prefix++
      // written as far as the contiguous prefix goes, before the rest arrives
      await out.reached(prefixBytes(prefix))
      expect(out.written().byteLength).toBe(prefixBytes(prefix))
    }
    expect(prefix).toBe(file.leaves.length)
    // every byte written, but the sink stays open until the download says the file is complete
    expect(out.events).toEqual([])
    transfer.state('complete')
    await saving
    expect(out.events).toEqual(['close'])
    expect(out.written().equals(Buffer.from(file.data))).toBe(true)
  })

  it('a paused download holds the save after what is stored; the resumed download (a new one) finishes it', async () => {
    const file = await sharedFile()
    const first = new FakeDownload(file.source, file.stored)
    const transfer = new FakeTransfer(file.stored, first)
    const out = slowSink()
    const saving = save(file, transfer, out.sink)

    // segments 0-3 and 6 arrive, then the download is paused (its waiting reads stop)
    for (const i of [0, 1, 2, 3, 6]) await first.arrive(file.leaves[i]!)
    await out.reached(prefixBytes(4))
    transfer.state('paused')
    first.stop(new TransferStoppedError('the download was stopped'))
    // paused: what is stored was written, and nothing beyond the gap at segment 4
    expect(out.written().byteLength).toBe(prefixBytes(4))

    // resumed: a new download brings the rest, in reverse
    const second = new FakeDownload(file.source, file.stored)
    transfer.state('downloading', second)
    for (const cid of file.leaves.slice(4).reverse()) {
      if (!(await file.stored.has(cid))) await second.arrive(cid)
    }
    transfer.state('complete')
    await saving
    expect(out.events).toEqual(['close'])
    expect(out.written().equals(Buffer.from(file.data))).toBe(true)
  })

  it('a download a relay\'s limit stopped (it resumes by itself once a connection can carry the rest) holds the save like a pause; the resumed download finishes it', async () => {
    const file = await sharedFile()
    const first = new FakeDownload(file.source, file.stored)
    const transfer = new FakeTransfer(file.stored, first)
    const out = slowSink()
    const saving = save(file, transfer, out.sink)

    for (const i of [0, 1]) await first.arrive(file.leaves[i]!)
    await out.reached(prefixBytes(2))
    // the download's reads fail with the relay's limit, then the transfer reads as failed, resuming by itself
    first.stop(Object.assign(new Error('the relay carries too little'), { name: 'RelayLimitError' }))
    transfer.set({ state: 'failed', error: 'RelayLimitError: the relay carries too little', resumes: true })
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(out.events).toEqual([])
    expect(out.written().byteLength).toBe(prefixBytes(2))

    // a direct connection opened: a new download brings the rest
    const second = new FakeDownload(file.source, file.stored)
    transfer.state('downloading', second)
    for (const cid of file.leaves.slice(2)) await second.arrive(cid)
    transfer.state('complete')
    await saving
    expect(out.events).toEqual(['close'])
    expect(out.written().equals(Buffer.from(file.data))).toBe(true)
  })

  it('writes no faster than the sink takes: one write at a time, what is decrypted meanwhile gathered into the next (up to writeBytes), and no more read ahead than that', async () => {
    const file = await sharedFile()
    // every block is already here: only the sink holds the save back
    for (const cid of file.leaves) await file.stored.put(cid, await file.source.get(cid))
    let leafGets = 0
    const leaves = new Set(file.leaves.map(String))
    const counting: ReadableChunkStore = { get: async (cid, o) => { if (leaves.has(cid.toString())) leafGets++; return file.stored.get(cid, o) } }
    const transfer = new FakeTransfer(counting)
    transfer.state('complete')
    const out = slowSink(true)
    // shorter than the file (a save's defaults are 32 segments and 4 MiB)
    const readAhead = READ_AHEAD
    const writeBytes = 2 * SEGMENT_SIZE
    const saving = save(file, transfer, out.sink, { readAhead, writeBytes })
    let maxAhead = 0
    while (out.sizes.length === 0 || out.written().byteLength < SIZE) {
      const writes = out.sizes.length
      await new Promise(resolve => setTimeout(resolve, 5)) // the reader runs ahead as far as it may
      maxAhead = Math.max(maxAhead, leafGets - Math.floor(out.written().byteLength / SEGMENT_SIZE))
      out.next()
      while (out.sizes.length === writes) await new Promise(resolve => setImmediate(resolve))
    }
    await saving
    expect(out.maxInFlight()).toBe(1)
    // the first write is the first segment; later ones gather what was decrypted while the sink was busy, up to writeBytes
    expect(out.sizes[0]).toBe(SEGMENT_SIZE)
    expect(Math.max(...out.sizes)).toBe(writeBytes)
    expect(out.sizes.length).toBeLessThan(file.leaves.length)
    // read ahead: the read-ahead, one write gathered, one being written
    expect(maxAhead).toBeLessThanOrEqual(readAhead + 2 * writeBytes / SEGMENT_SIZE)
    expect(maxAhead).toBeGreaterThan(readAhead)
    expect(out.written().equals(Buffer.from(file.data))).toBe(true)
  })

  it('aborts the sink, and never closes it, when the download fails, a block does not verify, the file fails at the end, the transfer is cancelled or the save is stopped', async () => {
    const tried: Array<[string, (f: Awaited<ReturnType<typeof sharedFile>>, d: FakeDownload, t: FakeTransfer, stop: AbortController) => Promise<void>, new (message: string) => Error, string]> = [
      ['the download fails (storage full) mid-file', async (f, d, t) => {
        await d.arrive(f.leaves[0]!)
        await written(prefixBytes(1))
        d.stop(new StorageFullError('no space'))
        t.set({ state: 'failed', error: 'StorageFullError: no space' })
      }, StorageFullError, 'abort StorageFullError'],
      ['a stored block is corrupt', async (f, d) => {
        const bytes = (await f.source.get(f.leaves[1]!)).slice()
        bytes[9] = bytes[9]! ^ 1
        // as a damaged disk would hand it back (stored without the check a put makes)
        await f.stored.put(f.leaves[1]!, bytes, { verified: true })
        await d.arrive(f.leaves[0]!)
      }, BlockVerificationError, 'abort BlockVerificationError'],
      ['every byte is written, then the download fails (DownloadFailedError)', async (f, d, t) => {
        for (const cid of f.leaves) await d.arrive(cid)
        await written(SIZE)
        t.set({ state: 'failed', error: 'StorageFullError: no space' })
      }, DownloadFailedError, 'abort DownloadFailedError'],
      ['the transfer is cancelled while paused', async (f, d, t) => {
        await d.arrive(f.leaves[0]!)
        await written(prefixBytes(1))
        t.state('paused')
        d.stop(new TransferStoppedError('stopped'))
        await new Promise(resolve => setTimeout(resolve, 20))
        t.set(undefined)
      }, TransferStoppedError, 'abort TransferStoppedError'],
      ['the save itself is stopped', async (f, d, _t, stop) => {
        await d.arrive(f.leaves[0]!)
        stop.abort(new TransferStoppedError('the save was stopped'))
      }, TransferStoppedError, 'abort TransferStoppedError']
    ]
    let written = async (_bytes: number): Promise<void> => {}
    for (const [what, act, error, event] of tried) {
      const file = await sharedFile()
      const download = new FakeDownload(file.source, file.stored)
      const transfer = new FakeTransfer(file.stored, download)
      const out = slowSink()
      written = out.reached
      const stop = new AbortController()
      const saving = save(file, transfer, out.sink, { signal: stop.signal })
      saving.catch(() => {})
      await act(file, download, transfer, stop)
      await expect(saving, what).rejects.toBeInstanceOf(error)
      expect(out.events, what).toEqual([event])
    }
  })
})
