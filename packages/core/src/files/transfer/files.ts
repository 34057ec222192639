/**
 * The file-sharing service: shares files (import, then announce on the DHT),
 * downloads them from every provider at once, serves the blocks it holds,
 * and remembers every transfer so a reload resumes downloads and keeps
 * serving shared files. A download that stopped because only a relay's
 * limited connections reached its providers resumes by itself when a
 * connection to one of them that can carry the rest opens.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { CID } from 'multiformats/cid'
import { DEFAULT_TIMEOUT_MS } from '../../constants.js'
import { openConnections } from '../../connectivity/open-stream.js'
import { RelayLimitError, StorageClearedError, TransferNotFoundError, TransferStoppedError } from '../errors.js'
import { openFile, type SharedFile } from '../export.js'
import { BLOCKS_PROTOCOL, REPROVIDE_INTERVAL_MS } from './constants.js'
import { Download } from './download.js'
import { Penalties } from './penalties.js'
import { readWhileDownloading } from './playback.js'
import { followTransfer, saveInOrder, type FileSink, type SaveOptions } from './save.js'
import { firstCarrying, openProviderStream } from './provider-stream.js'
import { provide, providersOf, type ProvidersComponents } from './providers.js'
import { connectionBudget } from './relay-limit.js'
import { serveBlocks, type Holdings } from './server.js'
import { forgetBlocks, heldBlocks, holdsAll, importShared, type BlockStore } from './share.js'
import { describe, transferStatus } from './status.js'
import { finishedCounters, throttleUpdate, type Entry } from './entry.js'
import { afterClears, onStoreCleared } from '../../storage/idb.js'
import { Throttle } from './throttle.js'
import type { TransferRecord, TransferStore } from './store.js'
import type { DownloadInit, FilesCleared, FilesEvents, NamedFile, ShareOptions, TransferStatus } from './types.js'
import type { FileLink } from '../link.js'
import type { ChunkStore } from '../chunk-store.js'
import type { AbortOptions, Connection, Libp2p, Startable } from '@libp2p/interface'

const log = logger('peerlink:files')

export interface FilesComponents extends ProvidersComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'getConnections' | 'dialProtocol' | 'contentRouting' | 'addEventListener' | 'removeEventListener'>
  connectToPeer(peerId: string, options?: AbortOptions): Promise<unknown>
}

export interface FilesInit {
  chunks: ChunkStore
  transfers: TransferStore
  /** Upload rate limit for serving blocks, bytes per second; 0 (default) for none. */
  uploadLimit?: number
  /** How long a download waits for a connection that can carry it when only too limited relayed ones reach its providers (default RELAY_LIMIT_GRACE_MS). */
  relayLimitGraceMs?: number
}

export class Files extends TypedEventEmitter<FilesEvents> implements Startable {
  private readonly entries = new Map<string, Entry>()
  private readonly penalties = new Penalties()
  private readonly throttle: Throttle
  private readonly chunks: BlockStore
  private readonly transfers: TransferStore
  private readonly relayLimitGraceMs?: number
  /** What a relay let through each limited connection when it opened (its per-connection limit, less the handshake). */
  private readonly limits = new WeakMap<Connection, number>()
  /** By root: the block streams of peers downloading it that read HAVE frames, told of each block of it we store (see server.ts). */
  private readonly announcees = new Map<string, Set<(cids: CID[]) => void>>()
  private controller?: AbortController
  private reprovideTimer?: ReturnType<typeof setInterval>
  private unwatchStores: Array<() => void> = []
  /** Checks every transfer after a clear of the browser's storage (see checkAfterClear). */
  private readonly storageCleared = afterClears(async () => { await this.checkAfterClear() }, err => { log.error('checking transfers after a clear: %e', err) })
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => {
    this.connectionOpened(evt.detail)
  }

  constructor (private readonly components: FilesComponents, init: FilesInit) {
    super()
    this.chunks = init.chunks
    this.transfers = init.transfers
    this.throttle = new Throttle(init.uploadLimit ?? 0)
    this.relayLimitGraceMs = init.relayLimitGraceMs
  }

  /** Upload rate limit for serving blocks to others, bytes per second; 0 for none. */
  get uploadLimit (): number {
    return this.throttle.bytesPerSecond
  }

  /** @throws {RangeError} for a negative or non-finite limit */
  set uploadLimit (bytesPerSecond: number) {
    this.throttle.bytesPerSecond = bytesPerSecond
  }

  private get self (): string {
    return this.components.libp2p.peerId.toString()
  }

  /** Serves blocks, restores remembered transfers and resumes unfinished downloads. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.controller != null) return
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    const controller = this.controller = new AbortController()
    await this.components.libp2p.handle(BLOCKS_PROTOCOL, async (stream, connection) => {
      await serveBlocks(stream, {
        store: this.chunks,
        remotePeer: connection.remotePeer.toString(),
        signal: controller.signal,
        throttle: this.throttle,
        holdings: (root, onHave) => this.holdings(root, onHave),
        onServed: (root) => { this.served(root.toString()) }
      })
    }, { runOnLimitedConnection: true, maxInboundStreams: 64, signal })
    this.components.libp2p.addEventListener('connection:open', this.onConnectionOpen)
    this.unwatchStores = [this.chunks, this.transfers].map(store => onStoreCleared(store, () => { this.storageCleared() }))
    for (const record of await this.transfers.list({ signal })) {
      const entry: Entry = { record, served: 0, lastEmit: 0 }
      this.entries.set(record.cid, entry)
      this.safeDispatchEvent('transfer:added', { detail: this.status(entry) })
      if (record.state === 'complete') void this.provide(record.cid)
      else if (record.state === 'resolving' || record.state === 'downloading') this.run(entry)
    }
    this.reprovideTimer = setInterval(() => { this.reprovide() }, REPROVIDE_INTERVAL_MS)
  }

  /** Stops serving and downloading; unfinished downloads resume at the next start. */
  async stop (options: AbortOptions = {}): Promise<void> {
    const controller = this.controller
    if (controller == null) return
    this.controller = undefined
    this.components.libp2p.removeEventListener('connection:open', this.onConnectionOpen)
    for (const unwatch of this.unwatchStores) unwatch()
    this.unwatchStores = []
    clearInterval(this.reprovideTimer)
    controller.abort()
    for (const entry of this.entries.values()) {
      entry.controller?.abort()
      clearTimeout(entry.emitTimer)
    }
    this.entries.clear()
    try {
      await this.components.libp2p.unhandle(BLOCKS_PROTOCOL, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS) })
    } catch (err) {
      log('unhandling %s: %e', BLOCKS_PROTOCOL, err)
    }
  }

  list (): TransferStatus[] {
    return [...this.entries.values()].map(entry => this.status(entry))
  }

  get (cid: string): TransferStatus | undefined {
    const entry = this.entries.get(cid)
    return entry == null ? undefined : this.status(entry)
  }

  /**
   * Encrypts and stores a file, remembers it as shared and announces it on
   * the relays' DHT (in the background). Sharing the same bytes, name and type
   * with the same `key` gives the same CID.
   *
   * @throws {FileTooLargeError} or a storage error (StorageFullError…); nothing is remembered then, and the blocks already stored are deleted
   */
  async share (file: NamedFile, options: ShareOptions & { key?: Uint8Array } = {}): Promise<{ status: TransferStatus, link: FileLink }> {
    const imported = await importShared(this.chunks, file, options)
    const cid = imported.cid.toString()
    const existing = this.entries.get(cid)
    const record: TransferRecord = {
      cid,
      key: imported.key,
      direction: existing?.record.direction ?? 'share',
      state: 'complete',
      ...describe(imported.manifest),
      ...(options.roomId == null ? {} : { roomId: options.roomId }),
      providers: [],
      addedAt: existing?.record.addedAt ?? Date.now()
    }
    existing?.controller?.abort()
    await this.transfers.put(record, options)
    const entry: Entry = { ...existing, record, served: existing?.served ?? 0, lastEmit: 0 }
    delete entry.download
    delete entry.finished
    delete entry.controller
    this.entries.set(cid, entry)
    this.safeDispatchEvent(existing == null ? 'transfer:added' : 'transfer:updated', { detail: this.status(entry) })
    void this.provide(cid)
    return { status: this.status(entry), link: this.linkOf(cid) }
  }

  /**
   * Starts downloading a file in the background, or resumes it if it is
   * known and paused or failed. Returns the transfer's status at once.
   *
   * @throws {InvalidFileLinkError} when the CID is not a file root CID
   */
  download (init: DownloadInit): TransferStatus {
    const root = CID.parse(init.cid)
    const cid = root.toString()
    const existing = this.entries.get(cid)
    if (existing != null) {
      if (existing.record.state === 'paused' || existing.record.state === 'failed') this.resume(cid)
      return this.status(existing)
    }
    const record: TransferRecord = {
      cid,
      key: init.key,
      direction: 'download',
      state: 'resolving',
      ...(init.roomId == null ? {} : { roomId: init.roomId }),
      providers: [...new Set(init.providers ?? [])].filter(p => p !== this.self),
      addedAt: Date.now()
    }
    const entry: Entry = { record, served: 0, lastEmit: 0 }
    this.entries.set(cid, entry)
    void this.persist(entry)
    this.safeDispatchEvent('transfer:added', { detail: this.status(entry) })
    this.run(entry)
    return this.status(entry)
  }

  /** Stops a download; the blocks fetched so far stay, and `resume` continues from them. */
  pause (cid: string): void {
    const entry = this.entry(cid)
    if (entry.record.state !== 'resolving' && entry.record.state !== 'downloading') return
    entry.record.state = 'paused'
    entry.controller?.abort()
    void this.persist(entry)
    this.emit(entry, true)
  }

  /** Continues a paused or failed download. */
  resume (cid: string): void {
    const entry = this.entry(cid)
    if (entry.record.state !== 'paused' && entry.record.state !== 'failed') return
    entry.record.state = entry.record.size == null ? 'resolving' : 'downloading'
    delete entry.record.error
    delete entry.record.relayLimit
    void this.persist(entry)
    this.run(entry)
  }

  /** Stops a transfer and forgets it: its record and every block of it this device holds. */
  async cancel (cid: string, options: AbortOptions = {}): Promise<void> {
    const entry = this.entry(cid)
    entry.controller?.abort()
    clearTimeout(entry.emitTimer)
    this.entries.delete(cid)
    await this.transfers.delete(cid, options)
    await forgetBlocks(this.chunks, await heldBlocks(this.chunks, CID.parse(cid), options), options)
    this.safeDispatchEvent('transfer:removed', { detail: { cid } })
  }

  /** The link of a file we hold, with ourselves as the peer hint. */
  linkOf (cid: string): FileLink {
    const entry = this.entry(cid)
    return { cid: CID.parse(cid), key: entry.record.key, hints: [this.self] }
  }

  /**
   * The file as stored on this device. Reading blocks not downloaded yet
   * fails with BlockNotFoundError.
   */
  async open (cid: string, options: AbortOptions = {}): Promise<SharedFile> {
    const entry = this.entry(cid)
    return openFile(CID.parse(cid), entry.record.key, { store: this.chunks }, options)
  }

  /**
   * Plaintext bytes `offset`..`offset + length` of a file, complete or still
   * downloading. For a running download, the blocks being read are fetched
   * before all others and awaited, and so are the next PLAYBACK_AHEAD_BYTES
   * (a video player's window that slides as it reads; a seek is a new read,
   * whose window goes before those of older reads).
   *
   * @throws {TransferNotFoundError | InvalidRangeError | TransferStoppedError} and read errors
   */
  async * readRange (cid: string, offset: number, length: number, options: AbortOptions = {}): AsyncGenerator<Uint8Array> {
    const entry = this.entry(cid)
    const download = entry.record.state === 'complete' ? undefined : entry.download
    const store = download?.reader ?? this.chunks
    const file = await openFile(CID.parse(cid), entry.record.key, { store }, options)
    yield * (download == null ? file.readRange(offset, length, options) : readWhileDownloading(download, file, offset, length, options))
  }

  /**
   * Saves the file into `sink` (the writer of a file the user picked), in
   * file order: at once what is stored, the rest as the download stores it
   * (see save.ts); a paused download holds the save until it resumes. The
   * sink is closed once the download has completed and every byte is
   * written, and aborted on any failure: the download's (its error), the
   * transfer's removal (TransferStoppedError), `signal`, or a write.
   *
   * @throws {TransferNotFoundError | TransferStoppedError | DownloadFailedError} the download's error, and read and write errors
   */
  async save (cid: string, sink: FileSink, options: SaveOptions = {}): Promise<void> {
    const transfer = followTransfer({
      current: () => {
        const entry = this.entries.get(cid)
        return entry == null ? undefined : { state: entry.record.state, download: entry.download, error: entry.record.error, resumes: entry.record.relayLimit != null }
      },
      changed: async (o) => this.changed(cid, o),
      store: this.chunks
    })
    await saveInOrder(async (o) => openFile(CID.parse(cid), this.entry(cid).record.key, { store: transfer.store }, o), sink, {
      ...options,
      finish: async (o) => transfer.completed(o)
    })
  }

  /** Resolves at the next event about `cid` (or when the service stops); rejects with `signal`'s reason. */
  private async changed (cid: string, options: AbortOptions): Promise<void> {
    const service = this.controller?.signal
    if (service == null || service.aborted) return
    options.signal?.throwIfAborted()
    await new Promise<void>((resolve, reject) => {
      const onEvent = (evt: CustomEvent<{ cid: string }>): void => {
        if (evt.detail.cid === cid) done()
      }
      const onAbort = (): void => { done(options.signal?.reason) }
      const done = (err?: unknown): void => {
        this.removeEventListener('transfer:updated', onEvent)
        this.removeEventListener('transfer:removed', onEvent)
        service.removeEventListener('abort', onAbort)
        options.signal?.removeEventListener('abort', onAbort)
        if (err == null) resolve()
        else reject(err)
      }
      this.addEventListener('transfer:updated', onEvent)
      this.addEventListener('transfer:removed', onEvent)
      service.addEventListener('abort', onAbort)
      options.signal?.addEventListener('abort', onAbort)
    })
  }

  private entry (cid: string): Entry {
    const entry = this.entries.get(cid)
    if (entry == null) throw new TransferNotFoundError(`no transfer of ${cid}`)
    return entry
  }

  private run (entry: Entry): void {
    const signal = this.controller?.signal
    if (signal == null) return
    const controller = entry.controller = new AbortController()
    const stop = AbortSignal.any([signal, controller.signal])
    const root = CID.parse(entry.record.cid)
    const download = entry.download = new Download({
      store: this.chunks,
      openStream: async (peer, s) => openProviderStream(this.components, this.limits, peer, s),
      findProviders: (r, s) => providersOf(this.components, entry.record, r, s),
      penalties: this.penalties,
      self: this.self,
      ...(this.relayLimitGraceMs == null ? {} : { relayLimitGraceMs: this.relayLimitGraceMs })
    }, root, entry.record.key, {
      onManifest: (manifest) => {
        Object.assign(entry.record, describe(manifest), { state: 'downloading' })
        void this.persist(entry)
        this.emit(entry, true)
      },
      onChange: () => { this.emit(entry) },
      onHeld: (cids) => {
        for (const onHave of this.announcees.get(entry.record.cid) ?? []) onHave(cids)
      }
    })
    this.emit(entry, true)
    download.run(stop).then(async () => {
      entry.record.state = 'complete'
      if (entry.download === download) {
        entry.finished = finishedCounters(download.stats)
        delete entry.download
      }
      await this.persist(entry)
      this.emit(entry, true)
      this.safeDispatchEvent('transfer:complete', { detail: this.status(entry) })
      log('downloaded %s', entry.record.cid)
      void this.provide(entry.record.cid)
    }, async (err: Error) => {
      if (err instanceof TransferStoppedError || stop.aborted) return
      log.error('download of %s failed: %s: %s', entry.record.cid, err.name, err.message)
      entry.record.state = 'failed'
      entry.record.error = `${err.name}: ${err.message}`
      if (err instanceof RelayLimitError) entry.record.relayLimit = err.limit
      else delete entry.record.relayLimit
      await this.persist(entry)
      this.emit(entry, true)
      // a connection that can carry the rest may have opened while it stopped
      if (err instanceof RelayLimitError) this.resumeIfCarried(entry)
    }).finally(() => {
      if (entry.controller === controller) entry.controller = undefined
    })
  }

  /**
   * A connection opened: running downloads try again a provider refused for
   * its limited connection, and a download stopped for that resumes when
   * the new connection can carry the rest.
   */
  private connectionOpened (connection: Connection): void {
    const budget = connectionBudget(connection)
    if (budget != null) this.limits.set(connection, budget)
    const peer = connection.remotePeer.toString()
    for (const entry of this.entries.values()) {
      if (entry.record.state === 'failed') {
        if (entry.record.relayLimit?.peers.includes(peer) === true) this.resumeIfCarried(entry, [connection])
      } else if (entry.controller != null) {
        entry.download?.retry(peer)
      }
    }
  }

  /**
   * Resumes a download stopped by a relay's limit once a connection to one
   * of its providers (`connections`, or every open one) can carry the rest
   * and takes a block stream: a WebRTC connection can be reported open while
   * its ICE never connected, and carry nothing.
   */
  private resumeIfCarried (entry: Entry, connections?: Connection[]): void {
    const limit = entry.record.relayLimit
    if (limit == null || entry.record.state !== 'failed') return
    const candidates = (connections ?? limit.peers.flatMap(peer => openConnections(this.components, peerIdFromString(peer)))).filter(c => {
      const budget = connectionBudget(c)
      return c.status === 'open' && (budget == null || budget >= limit.left)
    })
    const signal = this.controller?.signal
    if (candidates.length === 0 || signal == null) return
    void firstCarrying(candidates, signal).then(connection => {
      if (connection == null || entry.record.state !== 'failed' || this.entries.get(entry.record.cid) !== entry) return
      log('resuming %s: a connection that can carry it opened (%a)', entry.record.cid, connection.remoteAddr)
      this.resume(entry.record.cid)
    })
  }

  /**
   * The browser deleted the blocks or the transfer records (site data cleared
   * while the app ran). Every file held here is checked: one whose blocks are
   * gone is no longer shown or served as complete but fails with a
   * StorageClearedError (resuming it fetches it again from peers); running
   * downloads start again (their record of which blocks are held is stale),
   * fetching from peers what was lost; a stopped one whose blocks are gone
   * forgets its stale progress. Every record is written back, so a reload
   * still knows them. Then 'storage:cleared' says what changed.
   */
  private async checkAfterClear (): Promise<void> {
    const cleared: FilesCleared = { lost: [], restarted: [] }
    const signal = this.controller?.signal
    if (signal == null) return
    for (const entry of [...this.entries.values()]) {
      const { record } = entry
      const root = CID.parse(record.cid)
      try {
        if (record.state === 'complete') {
          if (!await holdsAll(this.chunks, root, { signal })) {
            record.state = 'failed'
            const err = new StorageClearedError(storageClearedMessage(record.direction))
            record.error = `${err.name}: ${err.message}`
            delete entry.finished
            cleared.lost.push(record.cid)
            log('%s is no longer stored: the browser\'s storage was cleared', record.cid)
          }
        } else if (entry.controller != null) {
          entry.controller.abort()
          delete entry.download
          record.state = record.size == null ? 'resolving' : 'downloading'
          cleared.restarted.push(record.cid)
          this.run(entry)
        } else if (!await this.chunks.has(root, { signal })) {
          // paused or failed: what it held is gone, and its counters with it
          delete entry.download
        }
      } catch (err) {
        if (signal.aborted) return
        log.error('checking %s after a clear of the storage: %e', record.cid, err)
      }
      await this.persist(entry)
      this.emit(entry, true)
    }
    log('storage cleared: %d files no longer stored, %d downloads started again', cleared.lost.length, cleared.restarted.length)
    this.safeDispatchEvent('storage:cleared', { detail: cleared })
  }

  /**
   * What we hold of `root` for a peer downloading it: all of a complete file,
   * what a download of it stored so far (or nothing); and from now on each
   * block of it a download of ours stores, to `onHave`.
   */
  private holdings (root: CID, onHave: (cids: CID[]) => void): Holdings {
    const cid = root.toString()
    const entry = this.entries.get(cid)
    const held = entry?.record.state === 'complete' ? 'all' : entry?.download?.heldBlocks() ?? []
    let listeners = this.announcees.get(cid)
    if (listeners == null) this.announcees.set(cid, listeners = new Set())
    const own = listeners
    own.add(onHave)
    return {
      held,
      stop: () => {
        own.delete(onHave)
        if (own.size === 0 && this.announcees.get(cid) === own) this.announcees.delete(cid)
      }
    }
  }

  private served (cid: string): void {
    const entry = this.entries.get(cid)
    if (entry == null) return
    entry.served++
    this.emit(entry)
  }

  /** Announces that we hold a file, on the relays' DHT. */
  private async provide (cid: string): Promise<void> {
    const signal = this.controller?.signal
    if (signal != null) await provide(this.components, cid, signal)
  }

  private reprovide (): void {
    for (const entry of this.entries.values()) {
      if (entry.record.state === 'complete') void this.provide(entry.record.cid)
    }
  }

  private async persist (entry: Entry): Promise<void> {
    if (!this.entries.has(entry.record.cid)) return
    try {
      await this.transfers.put(entry.record)
    } catch (err) {
      log.error('saving transfer %s: %e', entry.record.cid, err)
    }
  }

  /** Emits 'transfer:updated' at most every PROGRESS_INTERVAL_MS (now, when `force`). */
  private emit (entry: Entry, force = false): void {
    if (!this.entries.has(entry.record.cid)) return
    throttleUpdate(entry, force, () => { this.emit(entry, true) }, () => {
      this.safeDispatchEvent('transfer:updated', { detail: this.status(entry) })
    })
  }

  private status (entry: Entry): TransferStatus {
    return transferStatus(entry.record, entry.served, entry.download ?? entry.finished)
  }
}

function storageClearedMessage (direction: TransferStatus['direction']): string {
  return direction === 'share'
    ? 'the browser\'s storage for this site was cleared: this file is no longer stored here, so it can no longer be served to others'
    : 'the browser\'s storage for this site was cleared: this file is no longer stored here'
}
