/**
 * One download: the root and manifest first, then the content's leaves, from
 * every provider found at once. Blocks already in the store are never asked
 * for (a reload or a lost connection resumes where it stopped); every block
 * received is hashed against its CID before it is kept, and a provider that
 * sends a corrupt block is dropped for this file and penalised. A provider
 * reached only over a relayed connection is used only if that connection can
 * carry the rest of the file (see relay-limit.ts); when none can, the
 * download stops with a RelayLimitError instead of crawling from circuit to
 * circuit.
 *
 * Providers that download the same file announce the blocks they hold
 * (HAVE): they are asked for those, and the blocks no one announced are
 * asked of the others in a spread order (see scheduler.ts), so downloaders
 * that start together trade blocks rather than each fetching all of them
 * from the one who shared the file. A provider that announces blocks it then
 * says it lacks is dropped after MAX_FALSE_HAVES of them.
 */
import { logger } from '@libp2p/logger'
import { decodeRoot, walkContent } from '../dag.js'
import { BlockNotFoundError, BlockVerificationError, CorruptBlockError, FalseHaveError, TransferStoppedError, type RelayLimitError } from '../errors.js'
import { BLOCK_SIZE } from '../constants.js'
import { deriveFileKeys } from '../keys.js'
import { segmentPlainLength } from '../layout.js'
import { decryptManifest, type FileManifest } from '../manifest.js'
import { verifyBlock } from '../verify.js'
import { ANNOUNCE_WAIT_MS, BLOCK_TIMEOUT_MS, ENDGAME_BLOCKS, INITIAL_WINDOW, MAX_FALSE_HAVES, MAX_WINDOW, QUEUE_SECONDS, RELAY_LIMIT_GRACE_MS } from './constants.js'
import { fitsConnection, leftOf, LimitedPaths, relayLimitError, type Left } from './relay-limit.js'
import { BufferPool } from './buffer-pool.js'
import { ProviderRetries } from './retries.js'
import { ReaderWindows } from './playback.js'
import { searchProviders } from './providers.js'
import { RateMeter } from './rate.js'
import { Scheduler } from './scheduler.js'
import { BlockSession } from './session.js'
import { BlockWaiters } from './waiters.js'
import type { ProviderStream } from './provider-stream.js'
import type { DownloadHandlers, DownloadStats, PlaybackWindow } from './types.js'
import type { Penalties } from './penalties.js'
import type { ChunkStore, VerifiedReader } from '../chunk-store.js'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const log = logger('peerlink:files')

/** Blocks being written to the store at once; a provider's next frame waits beyond this. */
const MAX_PENDING_PUTS = 16

/** Closing a stream to a provider that is not used after all. */
const CLOSE_TIMEOUT_MS = 5_000

export interface DownloadComponents {
  store: Pick<ChunkStore, 'get' | 'put' | 'has'>
  /** Opens a block-protocol stream to a provider (connecting to it first if needed). */
  openStream(peer: string, signal: AbortSignal): Promise<ProviderStream>
  /** Peers that may hold the file: hints, room members, DHT providers. Called again every PROVIDER_SEARCH_INTERVAL_MS. */
  findProviders(root: CID, signal: AbortSignal): AsyncIterable<string>
  penalties: Pick<Penalties, 'strike' | 'isBanned'>
  /** Our own PeerId (never a provider). */
  self: string
  /** How long to wait for a connection that can carry the file when only too limited ones reach its providers (RELAY_LIMIT_GRACE_MS). */
  relayLimitGraceMs?: number
}

export class Download {
  readonly stats: DownloadStats = { blocks: 0, bytes: 0, fetched: 0, skipped: 0, duplicates: 0, sources: {}, rejected: {} }
  manifest?: FileManifest
  private readonly scheduler = new Scheduler({ initialWindow: INITIAL_WINDOW, maxWindow: MAX_WINDOW, queueSeconds: QUEUE_SECONDS, endgameBlocks: ENDGAME_BLOCKS, announceWaitMs: ANNOUNCE_WAIT_MS })
  private readonly sessions = new Map<string, BlockSession>()
  /** What each session's connection can carry. */
  private readonly budgets = new Map<string, Pick<ProviderStream, 'budget' | 'limit'>>()
  /** Providers refused because their (relayed) connections cannot carry the rest of the file. */
  private readonly limited: LimitedPaths
  private readonly connecting = new Set<string>()
  private readonly retries = new ProviderRetries()
  /** Leaf CID → segment index, for the leaves still to fetch. */
  private readonly leafIndex = new Map<string, number>()
  /** Leaf CIDs by segment index (known once walked). */
  private readonly leaves: CID[] = []
  /** Segments held (1), by index; other blocks stored by this download (root, manifest, DAG nodes): what we announce. */
  private heldLeaves = new Uint8Array(0)
  private readonly heldNodes: CID[] = []
  private readonly waiters = new BlockWaiters()
  private readonly pendingPuts = new Set<Promise<void>>()
  /** Buffers of received leaves, used again once stored (a leaf is BLOCK_SIZE bytes). */
  private readonly buffers = new BufferPool(BLOCK_SIZE, 2 * MAX_PENDING_PUTS)
  /** The same puts by CID. */
  private readonly storing = new Map<string, Promise<void>>()
  /**
   * Blocks received before the walk listed them (a reader ahead of it asked
   * for them), by CID, with the provider: counted as fetched, not as held
   * before, when the walk reaches them.
   */
  private readonly early = new Map<string, string>()
  /** Received blocks handed to readers: checked against their CIDs on receipt. */
  private readonly handed = new WeakSet<Uint8Array>()
  private readonly meter = new RateMeter()
  private readonly windows = new ReaderWindows(() => { this.reprioritize() })
  private walked = false
  private finished?: { resolve(): void, reject(err: Error): void }
  private signal: AbortSignal = AbortSignal.abort()
  /** Why the download stopped when no connection could carry it: later fetches of missing blocks fail with it. */
  private failure?: RelayLimitError
  /** What stopped the download (paused, failed): later reads fail with it rather than wait for blocks that will not come. */
  private stopped?: Error

  constructor (private readonly components: DownloadComponents, readonly root: CID, private readonly key: Uint8Array, private readonly handlers: DownloadHandlers = {}) {
    this.limited = new LimitedPaths(components.relayLimitGraceMs ?? RELAY_LIMIT_GRACE_MS)
  }

  /** Providers currently connected for this file. */
  get peers (): number {
    return this.sessions.size
  }

  /** Plaintext bytes per second over the last RATE_WINDOW_MS. */
  rate (now = Date.now()): number {
    return this.meter.rate(now)
  }

  /**
   * Fetches every missing block. Resolves with the manifest once the whole
   * file is stored; rejects with TransferStoppedError when `signal` aborts,
   * or with the error that made the file unreadable (a wrong key, a DAG that
   * is not a Peerlink file, storage failing).
   */
  async run (signal: AbortSignal): Promise<FileManifest> {
    this.signal = signal
    const stopped = (): void => { this.stop(new TransferStoppedError('the download was stopped')) }
    signal.addEventListener('abort', stopped, { once: true })
    const expiry = setInterval(() => { this.expire() }, 1000)
    // the search for providers ends with the download, however it ends (reads of its blocks may go on)
    const searching = new AbortController()
    void searchProviders((root, s) => this.components.findProviders(root, s), this.root, peer => { this.connect(peer) }, AbortSignal.any([signal, searching.signal]))
    try {
      const keys = await deriveFileKeys(this.key)
      const { content, manifest: manifestCid } = decodeRoot(await this.fetch(this.root))
      const manifest = this.manifest = await decryptManifest(keys, await this.fetch(manifestCid))
      this.stats.totalBlocks = manifest.segments
      this.heldLeaves = new Uint8Array(manifest.segments)
      this.handlers.onManifest?.(manifest)
      // the providers that brought the root and manifest over a limited connection: can it carry the rest?
      for (const [peer, session] of this.sessions) {
        const budget = this.budgets.get(peer)
        if (budget != null && !this.fits(peer, budget)) void session.close()
      }
      const done = new Promise<void>((resolve, reject) => { this.finished = { resolve, reject } })
      done.catch(() => {}) // awaited below
      const fetching = { get: async (cid: CID) => this.fetch(cid) }
      for await (const leaf of walkContent(fetching, content, { size: manifest.size }, { signal })) {
        this.leaves[leaf.index] = leaf.cid
        if (await this.components.store.has(leaf.cid, { signal })) {
          // held before this download, or fetched by it for a reader ahead of this walk
          const peer = this.early.get(leaf.cid.toString())
          if (peer == null) this.stats.skipped++
          else this.fetchedFrom(peer)
          this.early.delete(leaf.cid.toString())
          this.held(leaf.index)
        } else {
          this.leafIndex.set(leaf.cid.toString(), leaf.index)
          this.scheduler.want([leaf.cid])
          this.pumpAll()
        }
      }
      this.walked = true
      this.early.clear()
      this.scheduler.allListed()
      this.pumpAll()
      this.handlers.onChange?.()
      this.checkDone()
      await done
      return manifest
    } catch (err) {
      this.stop(err as Error)
      throw signal.aborted ? new TransferStoppedError('the download was stopped') : err
    } finally {
      clearInterval(expiry)
      searching.abort()
      signal.removeEventListener('abort', stopped)
      for (const session of this.sessions.values()) void session.close()
    }
  }

  /** A reader's window of segments, fetched before the rest of the file (see ReaderWindows); `close` it when the reader stops. */
  playbackWindow (): PlaybackWindow {
    return this.windows.open()
  }

  /**
   * A connection to `peer` that may carry more than the one it was refused
   * for opened (a direct one, or a new circuit): it is tried again at once.
   */
  retry (peer: string): void {
    if (!this.limited.has(peer)) return
    this.retries.clear(peer)
    this.connect(peer)
  }

  /** The blocks of the file this download holds (stored, or found held), for a peer we announce them to. */
  heldBlocks (): CID[] {
    const held = [...this.heldNodes]
    for (const [i, cid] of this.leaves.entries()) if (this.heldLeaves[i] === 1) held.push(cid)
    return held
  }

  /**
   * The store as a reader of this download sees it: a missing block is
   * fetched at once. `verified` says whether bytes it gave were handed over
   * as received (already checked against their CID), not read from the store.
   */
  get reader (): VerifiedReader {
    return {
      get: async (cid: CID, options?: AbortOptions) => this.fetch(cid, options),
      verified: (bytes) => this.handed.has(bytes)
    }
  }

  private reprioritize (): void {
    const cids: CID[] = []
    for (const i of this.windows.segments()) {
      const cid = this.leaves[i]
      if (cid != null) cids.push(cid)
    }
    this.scheduler.setPriority(cids)
    this.preemptAll()
  }

  /**
   * Cancels requests that would keep a reader's window waiting behind them,
   * then asks for its blocks. (Not for the DAG's own nodes during a
   * download: a cancelled block already on its way would come twice.)
   */
  private preemptAll (): void {
    for (const [peer, session] of this.sessions) {
      if (session.closed) continue
      const cancel = this.scheduler.preempt(peer)
      if (cancel.length > 0) session.cancel(cancel)
      this.pump(peer)
    }
  }

  /**
   * A block from the store, or from providers (urgently) if it is not there.
   * `options.signal` stops this caller's wait (a reader that went away), not the download.
   */
  private async fetch (cid: CID, options: AbortOptions = {}): Promise<Uint8Array> {
    if (this.stopped != null) throw this.stopped
    // a block on its way is not in the store yet: waited for without asking it (a save or player just behind the download)
    if (!this.scheduler.isWanted(cid)) {
      try {
        return await this.components.store.get(cid, { signal: this.signal })
      } catch (err) {
        if (!(err instanceof BlockNotFoundError)) throw err
      }
    }
    if (this.failure != null) throw this.failure
    // a leaf already listed waits its turn (in file order, or in a reader's window); others are needed to go on
    this.scheduler.want([cid], { urgent: !this.leafIndex.has(cid.toString()) })
    if (!this.scheduler.isWanted(cid)) {
      // received meanwhile (the scheduler already counts it done): wait for it to be stored
      await this.storing.get(cid.toString())
      return this.components.store.get(cid, { signal: this.signal })
    }
    options.signal?.throwIfAborted()
    const arrived = this.waiters.wait(cid.toString(), options.signal)
    this.pumpAll()
    return arrived
  }

  private connect (peer: string): void {
    if (peer === this.components.self || this.sessions.has(peer) || this.connecting.has(peer) || this.signal.aborted) return
    if (this.stats.rejected[peer] != null || this.components.penalties.isBanned(peer)) {
      this.retries.forget(peer)
      return
    }
    if (!this.retries.allowed(peer, Date.now())) return
    this.connecting.add(peer)
    void (async () => {
      try {
        const { stream, ...budget } = await this.components.openStream(peer, this.signal)
        if (this.signal.aborted) {
          stream.abort(new TransferStoppedError('the download was stopped'))
          return
        }
        if (!this.fits(peer, budget)) {
          void stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) }).catch(err => { stream.abort(err as Error) })
          return
        }
        const session = BlockSession.start(peer, stream, this.root, {
          onBlock: async (cid, bytes) => this.accept(peer, cid, bytes),
          alloc: (length) => this.buffers.take(length),
          onMissing: (cid) => {
            if (this.scheduler.missing(peer, cid) && this.scheduler.falseHaves(peer) >= MAX_FALSE_HAVES) {
              this.drop(peer, new FalseHaveError(`announced ${MAX_FALSE_HAVES} blocks it then said it did not hold`))
            }
            this.pumpAll()
          },
          onHave: (cids, all) => {
            const takenBack = this.scheduler.have(peer, cids, all)
            this.pump(peer)
            for (const [other, back] of takenBack) {
              this.sessions.get(other)?.cancel(back)
              this.pump(other)
            }
          },
          onEnd: (err) => { this.ended(peer, err) }
        }, this.signal)
        this.sessions.set(peer, session)
        this.budgets.set(peer, budget)
        this.limited.use(peer)
        this.retries.succeeded(peer)
        this.scheduler.addProvider(peer)
        log('downloading %c from %s', this.root, peer)
        this.handlers.onChange?.()
        this.pump(peer)
      } catch (err) {
        this.retries.failed(peer, Date.now())
        log('no block stream to %s: %e', peer, err)
      } finally {
        this.connecting.delete(peer)
      }
    })()
  }

  private ended (peer: string, err?: Error): void {
    this.sessions.delete(peer)
    this.budgets.delete(peer)
    this.scheduler.removeProvider(peer)
    if (err != null && !(err instanceof CorruptBlockError)) {
      this.retries.failed(peer, Date.now())
      log('provider %s of %c left: %e', peer, this.root, err)
    }
    this.handlers.onChange?.()
    this.pumpAll()
  }

  /** A block from `peer` (in a buffer of ours, see BufferPool): check it, count it, store it. */
  private async accept (peer: string, cid: CID, bytes: Uint8Array): Promise<void> {
    try {
      await verifyBlock(cid, bytes)
    } catch (err) {
      this.buffers.give(bytes)
      if (!(err instanceof BlockVerificationError)) throw err
      this.reject(peer, new CorruptBlockError(`sent block ${cid} whose bytes do not match its CID`))
      return
    }
    const { wanted, cancel } = this.scheduler.received(peer, cid)
    for (const other of cancel) this.sessions.get(other)?.cancel([cid])
    this.pump(peer)
    if (!wanted) {
      this.stats.duplicates++
      this.buffers.give(bytes)
      return
    }
    if (!this.walked && !this.leafIndex.has(cid.toString())) this.early.set(cid.toString(), peer)
    const put = this.store(peer, cid, bytes)
    this.pendingPuts.add(put)
    this.storing.set(cid.toString(), put)
    void put.finally(() => {
      this.pendingPuts.delete(put)
      this.storing.delete(cid.toString())
      this.checkDone()
    })
    if (this.pendingPuts.size >= MAX_PENDING_PUTS) await Promise.race(this.pendingPuts)
  }

  private async store (peer: string, cid: CID, bytes: Uint8Array): Promise<void> {
    const key = cid.toString()
    try {
      // verified in accept()
      await this.components.store.put(cid, bytes, { signal: this.signal, verified: true })
    } catch (err) {
      this.buffers.give(bytes)
      this.scheduler.requeue(cid)
      if (!this.signal.aborted) this.stop(err as Error)
      return
    }
    const index = this.leafIndex.get(key)
    if (index != null) {
      this.leafIndex.delete(key)
      this.early.delete(key)
      this.fetchedFrom(peer)
      this.held(index)
    } else {
      this.heldNodes.push(cid)
      this.handlers.onHeld?.([cid])
    }
    // stored (a copy): the buffer is used again, unless a reader takes it (as bytes checked against their CID)
    this.handed.add(bytes)
    if (!this.waiters.resolve(key, bytes)) {
      this.handed.delete(bytes)
      this.buffers.give(bytes)
    }
    this.handlers.onChange?.()
  }

  /** What is left to fetch (unknown before the manifest). */
  private left (): Left | undefined {
    return this.manifest == null ? undefined : leftOf(this.manifest, this.stats)
  }

  /**
   * Whether `peer`'s connection can carry the rest of the file (always
   * before the manifest says how much is left: the root and manifest are
   * small). A provider it cannot carry is refused and tried again later.
   */
  private fits (peer: string, budget: Pick<ProviderStream, 'budget' | 'limit'>): boolean {
    const left = this.left()
    const bytes = budget.budget()
    if (left == null || fitsConnection(bytes, left)) return true
    this.limited.refuse(peer, Math.max(budget.limit ?? 0, bytes ?? 0))
    this.retries.later(peer, Date.now())
    log('not downloading %c from %s: its relayed connection carries %d more bytes, the rest of the file %d', this.root, peer, bytes, left.bytes)
    this.checkLimits()
    return false
  }

  /** Stops the download once its providers were reachable only over too limited connections for the grace period. */
  private checkLimits (): void {
    const left = this.left()
    if (left == null || this.failure != null) return
    const limit = this.limited.verdict(Date.now(), { inUse: this.sessions.size, trying: this.connecting.size, left })
    if (limit == null) return
    log('download of %c stops: %s reachable only through a relay', this.root, limit.peers.join(', '))
    this.failure = relayLimitError(limit)
    this.stop(this.failure)
  }

  private fetchedFrom (peer: string): void {
    this.stats.fetched++
    this.stats.sources[peer] = (this.stats.sources[peer] ?? 0) + 1
  }

  /** Segment `index` is in the store. */
  private held (index: number): void {
    const size = this.manifest?.size ?? 0
    const bytes = segmentPlainLength(index, size)
    this.stats.blocks++
    this.stats.bytes += bytes
    this.meter.add(bytes)
    const cid = this.leaves[index]
    if (cid != null && this.heldLeaves[index] !== 1) {
      this.heldLeaves[index] = 1
      this.handlers.onHeld?.([cid])
    }
  }

  private reject (peer: string, err: CorruptBlockError): void {
    this.components.penalties.strike(peer)
    this.drop(peer, err)
  }

  /** Stops using `peer` for this file. */
  private drop (peer: string, err: CorruptBlockError | FalseHaveError): void {
    log.error('dropping provider %s of %c: %s', peer, this.root, err.message)
    this.stats.rejected[peer] = err.message
    const session = this.sessions.get(peer)
    if (session != null) session.abort(err)
    else this.ended(peer, err)
  }

  private pump (peer: string): void {
    const session = this.sessions.get(peer)
    if (session == null || session.closed) return
    session.want(this.scheduler.next(peer))
  }

  private pumpAll (): void {
    for (const peer of this.sessions.keys()) this.pump(peer)
  }

  private expire (): void {
    for (const { peer, cid } of this.scheduler.expire(BLOCK_TIMEOUT_MS)) {
      log('block %c timed out at %s', cid, peer)
      this.sessions.get(peer)?.cancel([cid])
    }
    this.pumpAll()
    // providers that failed a moment ago are tried again (a stream that did not open, a session that broke)
    for (const peer of this.retries.due(Date.now())) this.connect(peer)
    // with no provider in use, those refused for their limited connections are asked again (a direct connection may have opened)
    if (this.sessions.size === 0) for (const peer of this.limited.peers) this.connect(peer)
    this.checkLimits()
  }

  private checkDone (): void {
    if (this.walked && this.scheduler.done && this.pendingPuts.size === 0) this.finished?.resolve()
  }

  private stop (err: Error): void {
    this.stopped ??= err
    this.waiters.rejectAll(err)
    this.finished?.reject(err)
  }
}
