import { BlockNotFoundError } from './errors.js'
import { verifyBlock } from './verify.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * Where the encrypted blocks of shared files live, keyed by CID. Browsers use
 * {@link IdbChunkStore}, tests and Node tools {@link MemoryChunkStore}; the
 * transfer layer can wrap one to fetch missing blocks from peers.
 *
 * Implementations verify on `put` that the bytes hash to the CID, so a block
 * from a lying peer is rejected before it is kept.
 */
export interface ChunkStore {
  /**
   * @throws {BlockNotFoundError} if the block is not held
   */
  get(cid: CID, options?: AbortOptions): Promise<Uint8Array>
  /**
   * Keeps a block (replacing nothing: the same CID always has the same bytes).
   * `bytes` must not change until the returned promise settles (a store may
   * keep them rather than a copy until then); after that they are the
   * caller's again (a download uses its buffers again), so a store keeps a
   * copy, never `bytes` themselves.
   *
   * @throws {BlockVerificationError | UnsupportedHashError | OversizedBlockError} without keeping it
   */
  put(cid: CID, bytes: Uint8Array, options?: PutOptions): Promise<void>
  has(cid: CID, options?: AbortOptions): Promise<boolean>
  /** Forgets a block; does nothing if it is not held. */
  delete(cid: CID, options?: AbortOptions): Promise<void>
}

export interface PutOptions extends AbortOptions {
  /**
   * The caller has just checked `bytes` against `cid` with {@link verifyBlock}
   * (a download does, to drop a provider that sends a corrupt block before
   * anything else), so the store does not hash them again.
   */
  verified?: boolean
}

/** What reading a file needs of a store. */
export type ReadableChunkStore = Pick<ChunkStore, 'get'>

/**
 * A store that can say which of the blocks it gave were checked against
 * their CIDs just before (a download hands over the bytes it verified on
 * receipt): a reader does not hash those again.
 */
export interface VerifiedReader extends ReadableChunkStore {
  verified(bytes: Uint8Array): boolean
}

/** Whether `bytes`, given by `store`, were just checked against their CID (see {@link VerifiedReader}). */
export function alreadyVerified (store: ReadableChunkStore | VerifiedReader, bytes: Uint8Array): boolean {
  return 'verified' in store && typeof store.verified === 'function' && store.verified(bytes)
}

/** Blocks in a Map: for unit tests and Node tools. */
export class MemoryChunkStore implements ChunkStore {
  private readonly blocks = new Map<string, Uint8Array>()

  /** Number of blocks held. */
  get size (): number {
    return this.blocks.size
  }

  async get (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    const bytes = this.blocks.get(cid.toString())
    if (bytes == null) throw new BlockNotFoundError(`block ${cid} is not in the store`)
    return bytes
  }

  async put (cid: CID, bytes: Uint8Array, options: PutOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (options.verified !== true) await verifyBlock(cid, bytes)
    this.blocks.set(cid.toString(), bytes.slice())
  }

  async has (cid: CID, options: AbortOptions = {}): Promise<boolean> {
    options.signal?.throwIfAborted()
    return this.blocks.has(cid.toString())
  }

  async delete (cid: CID, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.blocks.delete(cid.toString())
  }

  /** Every block held, for tests and debugging. */
  * entries (): IterableIterator<[string, Uint8Array]> {
    yield * this.blocks.entries()
  }
}
