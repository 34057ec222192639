import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { MemoryChunkStore, type PutOptions } from '../../src/files/chunk-store.js'
import { StorageFullError } from '../../src/files/errors.js'
import { Files, type FilesComponents } from '../../src/files/transfer/files.js'
import { MemoryTransferStore } from '../../src/files/transfer/store.js'
import type { CID } from 'multiformats/cid'

/** A store with room for `room` more blocks, then StorageFullError (as IdbChunkStore maps the browser's quota error). */
class SmallChunkStore extends MemoryChunkStore {
  constructor (public room: number) {
    super()
  }

  override async put (cid: CID, bytes: Uint8Array, options?: PutOptions): Promise<void> {
    if (this.room <= 0) throw new StorageFullError('Storage is full')
    this.room--
    await super.put(cid, bytes, options)
  }
}

async function files (chunks: MemoryChunkStore): Promise<Files> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  // sharing only stores and remembers (announcing needs a started service)
  return new Files({ libp2p: { peerId } } as unknown as FilesComponents, { chunks, transfers: new MemoryTransferStore() })
}

function bytes (n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7919) & 0xff)
}

describe('sharing into a full storage', () => {
  it('fails with StorageFullError, remembers nothing and leaves no blocks; with room again it shares', async () => {
    const chunks = new SmallChunkStore(4)
    const service = await files(chunks)
    const data = bytes(2 * 1024 * 1024 + 5)
    const file = { name: 'big.bin', type: '', size: data.byteLength, slice: (s?: number, e?: number) => new Blob([data as Uint8Array<ArrayBuffer>]).slice(s, e) }
    await expect(service.share(file)).rejects.toThrow(StorageFullError)
    expect(service.list()).toEqual([])
    expect(chunks.size).toBe(0)

    chunks.room = 1000
    const { status } = await service.share(file)
    expect(status).toMatchObject({ state: 'complete', direction: 'share', size: data.byteLength })
    expect(service.list()).toHaveLength(1)
  })
})
