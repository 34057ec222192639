/**
 * Importing a file: plaintext → encrypted segments → UnixFS DAG (built by
 * ipfs-unixfs-importer: CIDv1, raw leaves, sha2-256, fixed-size chunks of
 * BLOCK_SIZE, balanced layout) → blocks in a ChunkStore, written as they are
 * produced. Memory stays bounded by a few segments whatever the file size.
 */
import { logger } from '@libp2p/logger'
import { importByteStream } from 'ipfs-unixfs-importer'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { CustomProgressEvent, type ProgressEvent, type ProgressOptions } from 'progress-events'
import { encryptStream } from './aead.js'
import { BLOCK_SIZE, FILE_FORMAT_VERSION, IMPORT_WRITE_CONCURRENCY, MAX_CHILDREN_PER_NODE, MAX_FILE_SIZE, SEGMENT_SIZE, TAG_BYTES } from './constants.js'
import { encodeRoot } from './dag.js'
import { FileTooLargeError } from './errors.js'
import { createFileKey, deriveFileKeys } from './keys.js'
import { segmentCount } from './layout.js'
import { encryptManifest, normalizeFileName, normalizeMimeType, type FileManifest } from './manifest.js'
import type { ChunkStore } from './chunk-store.js'
import type { AbortOptions } from '@libp2p/interface'

const log = logger('peerlink:files')

/** A `Blob` or `File`, or anything that slices like one. */
export interface BlobLike {
  readonly size: number
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> }
}

/** What can be imported: bytes, a stream of byte chunks (of any sizes), or a Blob/File. */
export type FileSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | BlobLike

/** What the manifest says about the file besides its size. */
export interface FileMetadata {
  /** Normalized: path separators and control characters become `_`, too long names are cut. */
  name: string
  /** MIME type; an invalid one is stored as `''` (unknown). */
  type?: string
}

export interface ImportFileInit {
  store: Pick<ChunkStore, 'put'>
  /**
   * The link key. A new random key by default; pass one only to re-import the
   * same file (same bytes and metadata give the same CID). Never encrypt two
   * different files with one key.
   */
  key?: Uint8Array
}

export interface ImportProgress {
  /** Plaintext bytes encrypted and stored so far. */
  bytes: number
  /** Plaintext size, when known up front (Blob sources). */
  total?: number
}

export type ImportProgressEvents = ProgressEvent<'files:import:progress', ImportProgress>

export interface ImportFileOptions extends AbortOptions, ProgressOptions<ImportProgressEvents> {}

export interface ImportedFile {
  /** Root CID, for the file link. */
  cid: CID
  /** Link key. */
  key: Uint8Array
  manifest: FileManifest
  /** CID of the content DAG (the ciphertext as a UnixFS file). */
  contentCid: CID
}

function isBlobLike (source: FileSource): source is BlobLike {
  return !(source instanceof Uint8Array) && typeof (source as BlobLike).slice === 'function' && typeof (source as BlobLike).size === 'number'
}

async function * readBlob (blob: BlobLike): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < blob.size; offset += SEGMENT_SIZE) {
    yield new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + SEGMENT_SIZE)).arrayBuffer())
  }
}

/** Passes the encrypted segments through as chunks, checking they are what a fixed-size chunker of BLOCK_SIZE would cut. */
async function * fixedSizeSegments (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let previous: Uint8Array | undefined
  for await (const chunk of source) {
    if (previous != null && previous.byteLength !== BLOCK_SIZE) throw new Error('a segment before the last is not BLOCK_SIZE')
    previous = chunk
    yield chunk
  }
}

/**
 * Encrypts a file, stores its blocks and returns its root CID and key.
 *
 * @throws {FileTooLargeError} for files over MAX_FILE_SIZE
 * @throws {BlockVerificationError} etc. from the store
 */
export async function importFile (source: FileSource, meta: FileMetadata, init: ImportFileInit, options: ImportFileOptions = {}): Promise<ImportedFile> {
  options.signal?.throwIfAborted()
  const key = init.key ?? createFileKey()
  const keys = await deriveFileKeys(key)
  const name = normalizeFileName(meta.name)
  const type = normalizeMimeType(meta.type)
  let total: number | undefined
  let plaintext: AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  if (source instanceof Uint8Array) {
    plaintext = [source]
    total = source.byteLength
  } else if (isBlobLike(source)) {
    plaintext = readBlob(source)
    total = source.size
  } else {
    plaintext = source
  }
  if (total != null && total > MAX_FILE_SIZE) throw new FileTooLargeError(`files are limited to ${MAX_FILE_SIZE} bytes`)

  let bytes = 0
  let leaves = 0
  const blockstore = {
    put: async (cid: CID, block: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<CID> => {
      if (!(block instanceof Uint8Array)) throw new TypeError('the importer gave a streamed block')
      await init.store.put(cid, block, { signal: options.signal })
      if (cid.code === raw.code) {
        bytes += block.byteLength - TAG_BYTES
        leaves++
        options.onProgress?.(new CustomProgressEvent<ImportProgress>('files:import:progress', { bytes, total }))
      }
      return cid
    }
  }
  const content = await importByteStream(encryptStream(plaintext, keys.content, options), blockstore, {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSizeSegments,
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
    blockWriteConcurrency: IMPORT_WRITE_CONCURRENCY
  })
  options.signal?.throwIfAborted()
  if (leaves !== segmentCount(bytes)) throw new Error(`imported ${leaves} leaves for ${bytes} bytes`)

  const manifest: FileManifest = { version: FILE_FORMAT_VERSION, name, type, size: bytes, segmentSize: SEGMENT_SIZE, segments: leaves }
  const manifestBlock = await encryptManifest(keys, manifest)
  const manifestCid = CID.createV1(raw.code, await sha256.digest(manifestBlock))
  await init.store.put(manifestCid, manifestBlock, { signal: options.signal })
  const root = await encodeRoot({ cid: content.cid, size: content.size }, { cid: manifestCid, size: manifestBlock.byteLength })
  await init.store.put(root.cid, root.bytes, { signal: options.signal })
  log('imported %d bytes in %d segments as %s', bytes, leaves, root.cid)
  return { cid: root.cid, key, manifest, contentCid: content.cid }
}
