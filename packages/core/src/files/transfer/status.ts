/**
 * A transfer's status as the app sees it: built from what is remembered of
 * it and, while it downloads, the download's counters. Pure.
 */
import { segmentCount } from '../layout.js'
import type { Download } from './download.js'
import type { TransferRecord } from './store.js'
import type { TransferStatus } from './types.js'
import type { FileManifest } from '../manifest.js'

/** What a transfer's status reads of a download (running, or the counters a completed one left). */
export type DownloadCounters = Pick<Download, 'stats' | 'rate' | 'peers'>

export function transferStatus (record: TransferRecord, served: number, download?: DownloadCounters): TransferStatus {
  const complete = record.state === 'complete'
  const totalBlocks = record.size == null ? undefined : segmentCount(record.size)
  const stats = download?.stats
  return {
    cid: record.cid,
    direction: record.direction,
    state: record.state,
    ...(record.name == null ? {} : { name: record.name }),
    ...(record.size == null ? {} : { size: record.size }),
    ...(record.type == null ? {} : { type: record.type }),
    ...(record.roomId == null ? {} : { roomId: record.roomId }),
    bytes: complete ? record.size ?? 0 : stats?.bytes ?? 0,
    blocks: complete ? totalBlocks ?? 0 : stats?.blocks ?? 0,
    ...(totalBlocks == null ? {} : { totalBlocks }),
    rate: complete || download == null ? 0 : download.rate(),
    peers: complete ? 0 : download?.peers ?? 0,
    served,
    fetched: stats?.fetched ?? 0,
    skipped: stats?.skipped ?? 0,
    duplicates: stats?.duplicates ?? 0,
    sources: { ...stats?.sources },
    rejected: { ...stats?.rejected },
    ...(record.error == null ? {} : { error: record.error }),
    ...(record.relayLimit == null ? {} : { relayLimit: { ...record.relayLimit, peers: [...record.relayLimit.peers] } })
  }
}

/** What a transfer record keeps of a file's manifest. */
export function describe (manifest: FileManifest): Pick<TransferRecord, 'name' | 'size' | 'type'> {
  return { name: manifest.name, size: manifest.size, type: manifest.type }
}
