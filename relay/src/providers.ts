import type { AbortOptions, Counter, Metrics, Startable } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'
import type { FsDatastore } from 'datastore-fs'

type Key = Parameters<FsDatastore['delete']>[0]

export interface ProviderBoundsInit {
  /** Most provider records kept in all. */
  maxRecords: number
  /** Most provider records kept for one provider peer. */
  maxPerPeer: number
  /** ms a record is kept after its last ADD_PROVIDER. */
  ttl: number
  /** Where kad-dht keeps provider records: `<datastorePrefix>/provider/` (kad-dht's default prefix is `/dht`). */
  prefix?: string
  log: Logger
}

interface Entry { key: Key, time: number }

/**
 * Bounds kad-dht's provider records. kad-dht (16.4) stores every
 * ADD_PROVIDER it receives as `/dht/provider/<cid>/<peer>` in the node's
 * datastore (on disk here), with no bound on their number, and answers
 * GET_PROVIDERS with every stored record however old. Its only cleanup is
 * the reprovider's pass (`reprovide.validity`, 48 h, checked hourly, the
 * first pass an hour after start); its `providers` options (validity,
 * cleanup interval) are no longer read. It has no hook on the handler, so
 * the bound sits in front of the datastore:
 * - a new record is not written when its provider already has `maxPerPeer`
 *   records or the relay holds `maxRecords` (a refresh of a kept record is);
 * - a record older than `ttl` is not returned by queries (GET_PROVIDERS) and is
 *   deleted by a sweep, and at start, so stale records do not survive restarts;
 * - at start, records beyond the bounds (from an older relay) are deleted, oldest first.
 *
 * `datastore` is the wrapped store to give libp2p; `load()` must run before
 * the node starts.
 */
export class ProviderBounds implements Startable {
  readonly datastore: FsDatastore
  private readonly prefix: string
  /** provider peer → cid → record */
  private readonly byPeer = new Map<string, Map<string, Entry>>()
  private count = 0
  private timer?: ReturnType<typeof setInterval>
  private dropped?: Counter
  private droppedCount = 0

  constructor (private readonly inner: FsDatastore, private readonly init: ProviderBoundsInit) {
    this.prefix = init.prefix ?? '/dht/provider/'
    const put = this.put.bind(this)
    const del = this.delete.bind(this)
    const query = this.query.bind(this)
    this.datastore = new Proxy(inner, {
      get: (target, prop, receiver) => {
        if (prop === 'put') return put
        if (prop === 'delete') return del
        if (prop === 'query') return query
        const value: unknown = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      }
    })
  }

  /** Records kept now, and new records refused so far. */
  get stats (): { records: number, dropped: number } {
    return { records: this.count, dropped: this.droppedCount }
  }

  attach (metrics?: Metrics): void {
    this.dropped = metrics?.registerCounter('peerlink_relay_provider_records_dropped_total', {
      help: 'DHT provider records not stored because their peer or the relay was at its bound'
    })
    metrics?.registerMetric('peerlink_relay_provider_records', {
      help: 'DHT provider records held',
      calculate: () => this.count
    })
  }

  /** Reads the records on disk, deleting expired ones and those beyond the bounds. */
  async load (options?: AbortOptions): Promise<void> {
    this.byPeer.clear()
    this.count = 0
    const now = Date.now()
    const kept: Array<Entry & { peer: string, cid: string }> = []
    for await (const { key, value } of this.inner.query({ prefix: this.prefix }, options)) {
      const parsed = this.parse(key)
      const time = readTime(value)
      if (parsed == null || time == null || now - time > this.init.ttl) {
        await this.inner.delete(key, options)
        continue
      }
      kept.push({ ...parsed, key, time })
    }
    // newest first, so the oldest are the ones beyond a bound
    kept.sort((a, b) => b.time - a.time)
    for (const entry of kept) {
      if (!this.admit(entry.peer, entry.cid, entry.key, entry.time)) await this.inner.delete(entry.key, options)
    }
    this.init.log('provider records: %d kept, %d deleted at start', this.count, kept.length - this.count)
  }

  start (): void {
    const interval = Math.min(10 * 60_000, Math.max(1_000, Math.floor(this.init.ttl / 4)))
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => { this.init.log.error('sweeping provider records: %e', err) })
    }, interval)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
  }

  /** Deletes the records older than the TTL. */
  async sweep (options?: AbortOptions): Promise<void> {
    const now = Date.now()
    const expired: Array<{ peer: string, cid: string, key: Key }> = []
    for (const [peer, records] of this.byPeer) {
      for (const [cid, { key, time }] of records) {
        if (now - time > this.init.ttl) expired.push({ peer, cid, key })
      }
    }
    for (const { peer, cid, key } of expired) {
      this.forget(peer, cid)
      await this.inner.delete(key, options)
    }
    if (expired.length > 0) this.init.log('deleted %d expired provider records, %d left', expired.length, this.count)
  }

  private async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const parsed = this.parse(key)
    if (parsed == null) return this.inner.put(key, value, options)
    const time = readTime(value) ?? Date.now()
    if (!this.admit(parsed.peer, parsed.cid, key, time)) {
      this.droppedCount++
      this.dropped?.increment()
      this.init.log.trace('not storing provider record %s: at the bound (%d records)', key, this.count)
      return key
    }
    return this.inner.put(key, value, options)
  }

  private async delete (key: Key, options?: AbortOptions): Promise<void> {
    const parsed = this.parse(key)
    if (parsed != null) this.forget(parsed.peer, parsed.cid)
    await this.inner.delete(key, options)
  }

  private query (query: Parameters<FsDatastore['query']>[0], options?: AbortOptions): ReturnType<FsDatastore['query']> {
    const source = this.inner.query(query, options)
    if (query.prefix?.startsWith(this.prefix) !== true) return source
    const ttl = this.init.ttl
    return (async function * () {
      const now = Date.now()
      for await (const pair of source) {
        const time = readTime(pair.value)
        if (time != null && now - time <= ttl) yield pair
      }
    })()
  }

  /** Takes a record into the index unless it is new and a bound is reached. */
  private admit (peer: string, cid: string, key: Key, time: number): boolean {
    let records = this.byPeer.get(peer)
    const existing = records?.get(cid)
    if (existing != null) {
      existing.time = time
      return true
    }
    if ((records?.size ?? 0) >= this.init.maxPerPeer || this.count >= this.init.maxRecords) return false
    if (records == null) {
      records = new Map()
      this.byPeer.set(peer, records)
    }
    records.set(cid, { key, time })
    this.count++
    return true
  }

  private forget (peer: string, cid: string): void {
    const records = this.byPeer.get(peer)
    if (records?.delete(cid) !== true) return
    this.count--
    if (records.size === 0) this.byPeer.delete(peer)
  }

  private parse (key: Key): { cid: string, peer: string } | undefined {
    const text = key.toString()
    if (!text.startsWith(this.prefix)) return undefined
    const [cid, peer, ...rest] = text.slice(this.prefix.length).split('/')
    if (cid == null || cid === '' || peer == null || peer === '' || rest.length > 0) return undefined
    return { cid, peer }
  }
}

/** A provider record's value: the time it was stored, ms since the epoch, as an unsigned varint. */
function readTime (value: Uint8Array): number | undefined {
  let result = 0
  let scale = 1
  for (let i = 0; i < value.length && i < 9; i++) {
    const byte = value[i]!
    result += (byte & 0x7f) * scale
    if ((byte & 0x80) === 0) return result
    scale *= 128
  }
  return undefined
}
