/**
 * Who holds a file: the peers a link or its room names, and provider
 * records on the relays' DHT, searched again and again while a download
 * runs; and announcing the files we hold there.
 */
import { logger } from '@libp2p/logger'
import { CID } from 'multiformats/cid'
import { sleep } from '../../connectivity/backoff.js'
import { PROVIDER_SEARCH_INTERVAL_MS } from './constants.js'
import type { TransferRecord } from './store.js'
import type { Libp2p } from '@libp2p/interface'

const log = logger('peerlink:files')

/** How long one DHT provider search may take. */
const FIND_PROVIDERS_TIMEOUT_MS = 20_000
/** How long announcing a file on the DHT may take. */
const PROVIDE_TIMEOUT_MS = 60_000

export interface ProvidersComponents {
  libp2p: Pick<Libp2p, 'contentRouting'>
  /** PeerIds of the other members of a room we are in, for files shared there. */
  roomMembers?(roomId: string): string[]
}

/**
 * Peers that may hold the file of `record`: its hints, its room's members,
 * then the DHT's provider records (one search, bounded in time).
 */
export async function * providersOf (components: ProvidersComponents, record: Pick<TransferRecord, 'providers' | 'roomId'>, root: CID, signal: AbortSignal): AsyncGenerator<string> {
  yield * record.providers
  if (record.roomId != null) yield * components.roomMembers?.(record.roomId) ?? []
  const search = AbortSignal.any([signal, AbortSignal.timeout(FIND_PROVIDERS_TIMEOUT_MS)])
  try {
    for await (const provider of components.libp2p.contentRouting.findProviders(root, { signal: search })) {
      yield provider.id.toString()
    }
  } catch (err) {
    if (!signal.aborted && !search.aborted) throw err
  }
}

/** Announces on the relays' DHT that we hold a file. Never throws: a failure is logged (the next reprovide retries). */
export async function provide (components: ProvidersComponents, cid: string, signal: AbortSignal): Promise<void> {
  try {
    await components.libp2p.contentRouting.provide(CID.parse(cid), { signal: AbortSignal.any([signal, AbortSignal.timeout(PROVIDE_TIMEOUT_MS)]) })
    log('providing %s', cid)
  } catch (err) {
    if (!signal.aborted) log('providing %s: %e', cid, err)
  }
}

/**
 * Keeps looking for providers of `root` with `find`, every
 * PROVIDER_SEARCH_INTERVAL_MS, handing each one found to `found`, until
 * `signal` aborts (the download ended). Never throws.
 */
export async function searchProviders (find: (root: CID, signal: AbortSignal) => AsyncIterable<string>, root: CID, found: (peer: string) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      for await (const peer of find(root, signal)) found(peer)
    } catch (err) {
      if (!signal.aborted) log('looking for providers of %c: %e', root, err)
    }
    try {
      await sleep(PROVIDER_SEARCH_INTERVAL_MS, { signal })
    } catch {
      return
    }
  }
}
