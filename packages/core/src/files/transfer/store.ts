/**
 * What a device remembers of each file it shares or downloads, so a reload
 * resumes downloads and keeps serving shared files. The key is kept because
 * the device must read the file (and the service worker must serve it).
 */
import type { TransferStatus } from './types.js'
import type { AbortOptions } from '@libp2p/interface'

/** The status fields a record keeps (`state`: `resolving` and `downloading` resume at start; `paused` and `failed` wait for the user). */
export interface TransferRecord extends Pick<TransferStatus, 'cid' | 'direction' | 'state' | 'name' | 'size' | 'type' | 'roomId' | 'error' | 'relayLimit'> {
  /** Link key, 32 bytes. */
  key: Uint8Array
  /** PeerIds given as likely providers (link hints, the member who shared it). */
  providers: string[]
  /** Epoch ms. */
  addedAt: number
}

export interface TransferStore {
  get(cid: string, options?: AbortOptions): Promise<TransferRecord | undefined>
  put(record: TransferRecord, options?: AbortOptions): Promise<void>
  delete(cid: string, options?: AbortOptions): Promise<void>
  /** Every record, oldest first. */
  list(options?: AbortOptions): Promise<TransferRecord[]>
}

export class MemoryTransferStore implements TransferStore {
  private readonly records = new Map<string, TransferRecord>()

  async get (cid: string): Promise<TransferRecord | undefined> {
    const record = this.records.get(cid)
    return record == null ? undefined : structuredClone(record)
  }

  async put (record: TransferRecord): Promise<void> {
    this.records.set(record.cid, structuredClone(record))
  }

  async delete (cid: string): Promise<void> {
    this.records.delete(cid)
  }

  async list (): Promise<TransferRecord[]> {
    return [...this.records.values()].map(r => structuredClone(r)).sort((a, b) => a.addedAt - b.addedAt)
  }
}
