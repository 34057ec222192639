/**
 * The shape of a file's DAG, all standard UnixFS (dag-pb, sha2-256, CIDv1):
 *
 *   root: UnixFS directory ─┬─ "content":  UnixFS file of the ciphertext
 *                           │              (balanced layout, raw leaves; a
 *                           │              one-segment file is its raw leaf)
 *                           └─ "manifest": raw block, the encrypted manifest
 *
 * Every leaf of the content is one encrypted segment, so segment `i` is the
 * `i`-th leaf and starts at ciphertext offset `i * BLOCK_SIZE`. This module
 * builds the root and walks the content lazily (only the internal nodes on the
 * way to the wanted leaves are fetched), checking the shape as it goes.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { BLOCK_SIZE, CONTENT_ENTRY, MANIFEST_ENTRY, MAX_DAG_DEPTH, MAX_MANIFEST_BYTES } from './constants.js'
import { BlockNotFoundError, InvalidDagError } from './errors.js'
import { ciphertextSize, segmentBlockLength, segmentCount, segmentOffset } from './layout.js'
import { verifyBlock } from './verify.js'
import type { ReadableChunkStore } from './chunk-store.js'
import type { AbortOptions } from '@libp2p/interface'

/** The two entries of a file's root directory. */
export interface FileRoot {
  content: CID
  manifest: CID
}

/** A leaf block of the content: encrypted segment `index`. */
export interface LeafRef {
  index: number
  cid: CID
}

/** Which leaves to walk; all of them by default. */
export interface WalkInit {
  /** Plaintext size from the manifest: when given, leaf positions and sizes are checked against it. */
  size?: number
  first?: number
  last?: number
}

/**
 * Builds the root directory block, exactly as ipfs-unixfs-importer's
 * `wrapWithDirectory` would for entries `content` and `manifest`.
 */
export async function encodeRoot (content: { cid: CID, size: bigint | number }, manifest: { cid: CID, size: number }): Promise<{ cid: CID, bytes: Uint8Array }> {
  const node = dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: [
      { Name: CONTENT_ENTRY, Hash: content.cid, Tsize: Number(content.size) },
      { Name: MANIFEST_ENTRY, Hash: manifest.cid, Tsize: manifest.size }
    ]
  })
  const bytes = dagPb.encode(node)
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

/**
 * @throws {InvalidDagError} unless the block is a UnixFS directory with exactly a raw `manifest` and a raw or dag-pb `content`
 */
export function decodeRoot (bytes: Uint8Array): FileRoot {
  const { node, unixfs } = decodeUnixfs(bytes, 'the root')
  if (unixfs.type !== 'directory') throw new InvalidDagError('the root is not a UnixFS directory')
  const [content, manifest, ...rest] = node.Links
  if (content?.Name !== CONTENT_ENTRY || manifest?.Name !== MANIFEST_ENTRY || rest.length > 0) {
    throw new InvalidDagError(`the root must have exactly two entries, "${CONTENT_ENTRY}" and "${MANIFEST_ENTRY}"`)
  }
  if (manifest.Hash.code !== raw.code || (manifest.Tsize != null && manifest.Tsize > MAX_MANIFEST_BYTES)) {
    throw new InvalidDagError('the manifest entry is not a small raw block')
  }
  if (content.Hash.version !== 1 || (content.Hash.code !== raw.code && content.Hash.code !== dagPb.code)) {
    throw new InvalidDagError('the content entry is not a UnixFS file')
  }
  return { content: content.Hash, manifest: manifest.Hash }
}

/** @throws {InvalidDagError} naming `what` unless the block is a dag-pb node carrying UnixFS data */
function decodeUnixfs (bytes: Uint8Array, what: string): { node: dagPb.PBNode, unixfs: UnixFS } {
  try {
    const node = dagPb.decode(bytes)
    if (node.Data == null) throw new Error('no data')
    return { node, unixfs: UnixFS.unmarshal(node.Data) }
  } catch {
    throw new InvalidDagError(`${what} is not a UnixFS node`)
  }
}

const MAX_SAFE_SIZE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * The children (links and their byte counts) of an internal content node.
 *
 * @throws {InvalidDagError} unless the block is a UnixFS file node without inline data, with a block size for each link
 */
export function decodeFileNode (cid: CID, bytes: Uint8Array): Array<{ cid: CID, size: number }> {
  const { node, unixfs } = decodeUnixfs(bytes, `content node ${cid.toString()}`)
  if (unixfs.type !== 'file' || (unixfs.data?.byteLength ?? 0) > 0) {
    throw new InvalidDagError(`content node ${cid} is not a UnixFS file node without inline data`)
  }
  if (node.Links.length === 0 || node.Links.length !== unixfs.blockSizes.length) {
    throw new InvalidDagError(`content node ${cid} has inconsistent links and block sizes`)
  }
  // sizes are added up and compared as numbers: one beyond 2^53 would be rounded
  if (unixfs.blockSizes.some(size => size > MAX_SAFE_SIZE)) {
    throw new InvalidDagError(`content node ${cid} has a block size beyond ${Number.MAX_SAFE_INTEGER}`)
  }
  return node.Links.map((link, i) => ({ cid: link.Hash, size: Number(unixfs.blockSizes[i]) }))
}

/**
 * Yields the content's leaves in order, from `first` to `last`, fetching (and
 * verifying) only the internal nodes that lead to them.
 *
 * @throws {InvalidDagError} if the DAG is not shaped as Peerlink writes it
 */
export async function * walkContent (store: ReadableChunkStore, content: CID, init: WalkInit = {}, options: AbortOptions = {}): AsyncGenerator<LeafRef> {
  const { size } = init
  const segments = size == null ? Infinity : segmentCount(size)
  const first = init.first ?? 0
  const last = init.last ?? segments - 1
  if (last < first) return
  const start = segmentOffset(first)
  const end = Math.min(size == null ? Infinity : ciphertextSize(size), segmentOffset(last + 1))

  async function * walk (cid: CID, offset: number, length: number | undefined, depth: number): AsyncGenerator<LeafRef> {
    if (cid.code === raw.code) {
      const index = offset / BLOCK_SIZE
      if (!Number.isInteger(index) || index >= segments) throw new InvalidDagError(`leaf ${cid} is not at a segment boundary`)
      if (size != null && length !== segmentBlockLength(index, size)) throw new InvalidDagError(`leaf ${cid} has the wrong size for segment ${index}`)
      yield { index, cid }
      return
    }
    if (cid.code !== dagPb.code || depth >= MAX_DAG_DEPTH) throw new InvalidDagError(`content node ${cid} is not a dag-pb node within depth ${MAX_DAG_DEPTH}`)
    const bytes = await store.get(cid, options)
    await verifyBlock(cid, bytes)
    const children = decodeFileNode(cid, bytes)
    if (length != null && children.reduce((sum, child) => sum + child.size, 0) !== length) {
      throw new InvalidDagError(`content node ${cid} does not add up to its size`)
    }
    let position = offset
    for (const child of children) {
      const childEnd = position + child.size
      if (childEnd > start && position < end) yield * walk(child.cid, position, child.size, depth + 1)
      position = childEnd
      if (position >= end) break
    }
  }

  yield * walk(content, 0, size == null ? undefined : ciphertextSize(size), 0)
}

/**
 * Every block of a file, without its key: the root, the manifest, then the
 * content's nodes (each before its children) and leaves in order. For
 * deleting a file, checking that a store holds all of it, or serving it
 * without being able to read it. Fetches (and verifies) the root and the
 * content's internal nodes.
 *
 * With `skipMissing`, a node that is not in the store is still yielded but
 * its children are not (they cannot be known): for listing what a partial
 * download holds.
 *
 * @throws {InvalidDagError} if the DAG is not shaped as Peerlink writes it
 * @throws {BlockNotFoundError} for a missing block, unless `skipMissing`
 */
export async function * fileBlocks (store: ReadableChunkStore, root: CID, options: AbortOptions & { skipMissing?: boolean } = {}): AsyncGenerator<CID> {
  const rootBytes = await store.get(root, options)
  await verifyBlock(root, rootBytes)
  const { content, manifest } = decodeRoot(rootBytes)
  yield root
  yield manifest

  async function * walk (cid: CID, depth: number): AsyncGenerator<CID> {
    yield cid
    if (cid.code === raw.code) return
    if (cid.code !== dagPb.code || depth >= MAX_DAG_DEPTH) throw new InvalidDagError(`content node ${cid} is not a dag-pb node within depth ${MAX_DAG_DEPTH}`)
    let bytes: Uint8Array
    try {
      bytes = await store.get(cid, options)
    } catch (err) {
      if (options.skipMissing === true && err instanceof BlockNotFoundError) return
      throw err
    }
    await verifyBlock(cid, bytes)
    for (const child of decodeFileNode(cid, bytes)) yield * walk(child.cid, depth + 1)
  }
  yield * walk(content, 0)
}
