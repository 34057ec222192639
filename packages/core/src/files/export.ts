/**
 * Reading a file: root → manifest → content leaves, each block verified
 * against its CID and each segment decrypted before its bytes are yielded.
 * Reads are pulled by the consumer with a small read-ahead (READ_AHEAD
 * blocks), so memory stays bounded whatever the file size, and any byte range
 * can be read without touching the other segments' leaves.
 */
import { decryptSegment } from './aead.js'
import { READ_AHEAD } from './constants.js'
import { decodeRoot, fileBlocks, walkContent, type LeafRef } from './dag.js'
import { InvalidDagError } from './errors.js'
import { deriveFileKeys, type FileKeys } from './keys.js'
import { segmentPlainLength, segmentSpan } from './layout.js'
import { decryptManifest, type FileManifest } from './manifest.js'
import { verifyBlock } from './verify.js'
import { alreadyVerified, type ReadableChunkStore, type VerifiedReader } from './chunk-store.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface ReadOptions extends AbortOptions {
  /** Segments fetched, verified and decrypted ahead of the reader (READ_AHEAD by default); memory holds about this many. */
  readAhead?: number
}

export interface ReadFileInit {
  /**
   * Where blocks come from: a local store, or one that fetches missing blocks
   * from peers. Every block is hashed against its CID, unless the store says
   * it was just checked (see {@link VerifiedReader}).
   */
  store: ReadableChunkStore | VerifiedReader
}

/** An opened file: its manifest is read and checked; content is read on demand. */
export interface SharedFile {
  /** Root CID. */
  readonly cid: CID
  /** CID of the content DAG. */
  readonly contentCid: CID
  /** CID of the manifest block. */
  readonly manifestCid: CID
  readonly manifest: FileManifest
  /** The whole plaintext, in order (one chunk per segment). */
  read(options?: ReadOptions): AsyncGenerator<Uint8Array>
  /** `length` bytes from `offset` (cut at the end of the file). */
  readRange(offset: number, length: number, options?: AbortOptions): AsyncGenerator<Uint8Array>
  /** The content's leaf blocks (one per segment), in order, from `first` to `last` (inclusive); fetches only internal nodes. */
  leaves(first?: number, last?: number, options?: AbortOptions): AsyncGenerator<LeafRef>
  /** Every block's CID: root, manifest, content nodes and leaves (see {@link fileBlocks}). */
  blocks(options?: AbortOptions): AsyncGenerator<CID>
}

class OpenedFile implements SharedFile {
  constructor (
    readonly cid: CID,
    readonly contentCid: CID,
    readonly manifestCid: CID,
    readonly manifest: FileManifest,
    private readonly keys: FileKeys,
    private readonly store: ReadableChunkStore | VerifiedReader
  ) {}

  read (options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    return this.segments(0, this.manifest.segments - 1, options)
  }

  async * readRange (offset: number, length: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const span = segmentSpan(offset, length, this.manifest.size)
    let skip = span.skip
    let remaining = span.length
    for await (const plaintext of this.segments(span.first, span.last, options)) {
      const piece = plaintext.subarray(skip, skip + remaining)
      skip = 0
      remaining -= piece.byteLength
      if (piece.byteLength > 0) yield piece
    }
  }

  leaves (first = 0, last = this.manifest.segments - 1, options: AbortOptions = {}): AsyncGenerator<LeafRef> {
    return walkContent(this.store, this.contentCid, { size: this.manifest.size, first, last }, options)
  }

  blocks (options: AbortOptions = {}): AsyncGenerator<CID> {
    return fileBlocks(this.store, this.cid, options)
  }

  /** Decrypted segments `first`..`last`, fetched `readAhead` (READ_AHEAD) at a time, yielded in order. */
  private async * segments (first: number, last: number, options: ReadOptions): AsyncGenerator<Uint8Array> {
    const readAhead = options.readAhead ?? READ_AHEAD
    if (last < first) return
    const controller = new AbortController()
    const signal = options.signal == null ? controller.signal : AbortSignal.any([options.signal, controller.signal])
    const leaves = this.leaves(first, last, { signal })
    const pending: Array<Promise<Uint8Array>> = []
    let next = first
    let walked = false
    try {
      while (true) {
        while (!walked && pending.length < readAhead) {
          const leaf = await leaves.next()
          if (leaf.done === true) {
            walked = true
            break
          }
          if (leaf.value.index !== next++) throw new InvalidDagError(`segment ${leaf.value.index} is out of order`)
          const segment = this.segment(leaf.value, signal)
          segment.catch(() => {}) // awaited below, or abandoned when the reader stops
          pending.push(segment)
        }
        const segment = pending.shift()
        if (segment == null) break
        const plaintext = await segment
        options.signal?.throwIfAborted()
        yield plaintext
      }
      if (next !== last + 1) throw new InvalidDagError(`the content has fewer segments than the manifest's ${this.manifest.segments}`)
    } finally {
      controller.abort()
      await leaves.return(undefined)
    }
  }

  private async segment ({ index, cid }: LeafRef, signal: AbortSignal): Promise<Uint8Array> {
    const block = await this.store.get(cid, { signal })
    if (!alreadyVerified(this.store, block)) await verifyBlock(cid, block)
    const plaintext = await decryptSegment(this.keys.content, index, index === this.manifest.segments - 1, block)
    if (plaintext.byteLength !== segmentPlainLength(index, this.manifest.size)) {
      throw new InvalidDagError(`segment ${index} has the wrong length`)
    }
    return plaintext
  }
}

/**
 * Opens a file by root CID and link key: fetches and verifies the root and
 * manifest blocks, decrypts and checks the manifest.
 *
 * @throws {InvalidDagError | ManifestError | DecryptError | BlockVerificationError | BlockNotFoundError}
 */
export async function openFile (cid: CID, key: Uint8Array, init: ReadFileInit, options: AbortOptions = {}): Promise<SharedFile> {
  const keys = await deriveFileKeys(key)
  const rootBlock = await init.store.get(cid, options)
  await verifyBlock(cid, rootBlock)
  const root = decodeRoot(rootBlock)
  const manifestBlock = await init.store.get(root.manifest, options)
  await verifyBlock(root.manifest, manifestBlock)
  const manifest = await decryptManifest(keys, manifestBlock)
  return new OpenedFile(cid, root.content, root.manifest, manifest, keys, init.store)
}

/** Opens a file and streams its plaintext. */
export async function readFile (cid: CID, key: Uint8Array, init: ReadFileInit, options: AbortOptions = {}): Promise<{ manifest: FileManifest, content: AsyncGenerator<Uint8Array> }> {
  const file = await openFile(cid, key, init, options)
  return { manifest: file.manifest, content: file.read(options) }
}

/** Opens a file and streams `length` bytes from `offset`. */
export async function * readRange (cid: CID, key: Uint8Array, offset: number, length: number, init: ReadFileInit, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
  const file = await openFile(cid, key, init, options)
  yield * file.readRange(offset, length, options)
}
