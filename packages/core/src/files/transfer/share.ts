/**
 * Sharing a file: importing it into the chunk store, and forgetting the
 * blocks of a share that failed half way or of a cancelled transfer.
 */
import { logger } from '@libp2p/logger'
import { BlockNotFoundError } from '../errors.js'
import { fileBlocks } from '../dag.js'
import { importFile, type ImportedFile } from '../import.js'
import type { NamedFile, ShareOptions } from './types.js'
import type { ChunkStore } from '../chunk-store.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const log = logger('peerlink:files')

/** A chunk store that can forget many blocks at once (IdbChunkStore). */
export type BlockStore = ChunkStore & {
  deleteMany?(cids: Iterable<CID>, options?: AbortOptions): Promise<void>
}

/**
 * Encrypts and stores a file. A share that fails half way (storage full,
 * aborted) leaves no blocks behind to fill the storage; with a caller's key
 * the blocks may be those of the same file shared before, so they stay.
 *
 * @throws {FileTooLargeError} or a storage error (StorageFullError…)
 */
export async function importShared (chunks: BlockStore, file: NamedFile, options: ShareOptions & { key?: Uint8Array }): Promise<ImportedFile> {
  const written: CID[] = []
  const store = { put: async (...args: Parameters<ChunkStore['put']>) => { await chunks.put(...args); written.push(args[0]) } }
  try {
    return await importFile(file, { name: file.name, type: file.type }, { store, key: options.key }, options)
  } catch (err) {
    if (options.key == null) await forgetBlocks(chunks, written).catch(e => { log.error('deleting the blocks of a failed share: %e', e) })
    throw err
  }
}

/** The blocks of a file's DAG this device holds (a partial download's too; none without its root). */
export async function heldBlocks (chunks: ChunkStore, root: CID, options: AbortOptions = {}): Promise<CID[]> {
  const blocks: CID[] = []
  try {
    for await (const block of fileBlocks(chunks, root, { ...options, skipMissing: true })) blocks.push(block)
  } catch (err) {
    if (!(err instanceof BlockNotFoundError)) log('listing blocks of %c: %e', root, err)
  }
  return blocks
}

/** Whether this device holds every block of a file (false at the first one missing). */
export async function holdsAll (chunks: ChunkStore, root: CID, options: AbortOptions = {}): Promise<boolean> {
  try {
    for await (const block of fileBlocks(chunks, root, options)) {
      if (!await chunks.has(block, options)) return false
    }
    return true
  } catch (err) {
    if (err instanceof BlockNotFoundError) return false
    throw err
  }
}

export async function forgetBlocks (chunks: BlockStore, blocks: CID[], options: AbortOptions = {}): Promise<void> {
  if (chunks.deleteMany != null) await chunks.deleteMany(blocks, options)
  else for (const block of blocks) await chunks.delete(block, options)
}
