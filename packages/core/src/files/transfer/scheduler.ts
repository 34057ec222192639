/**
 * Which block to ask of which provider: pure bookkeeping, no I/O.
 *
 * - Blocks are asked for in priority order: `urgent` ones first (the root,
 *   manifest and DAG nodes a download needs to go on), then the `priority`
 *   list (what video players read next, set as a whole by `setPriority`),
 *   then blocks given back by a provider (it did not have them, timed out or
 *   was dropped), then the rest in file order.
 * - Each provider has a window of requests in flight. It starts at
 *   `initialWindow`, grows by one per block delivered until the provider's
 *   rate is known, then holds about `queueSeconds` of its deliveries (2 to
 *   `maxWindow`), and halves on a timeout. A provider gets work as fast as it
 *   delivers: the fastest take the most blocks (rebalancing by pull), and a
 *   slow one's short queue lets urgent blocks overtake.
 * - Which provider holds what (provider-state.ts): a provider that announces
 *   (HAVE) is asked only for what it announced; one that does not is asked
 *   for anything, and again, some time after it said it lacked a block. The
 *   blocks a provider announced are handed to it after the urgent and
 *   priority ones, before the rest.
 * - Spreading: while some provider announces (another downloader of the same
 *   file), a provider is asked for a random one of the next `spreadBlocks`
 *   blocks in file order that no provider announced, so that downloaders
 *   starting together fetch different blocks from the seeder and have
 *   something to trade; otherwise blocks go in file order. A provider that
 *   holds every block (the seeder) then has at most `seederWindow` requests
 *   in flight: with a deep queue there, each downloader would have most of a
 *   small file on its way from the seeder before any other could offer it.
 *   A request that would take a slow provider more than about a second to
 *   deliver is taken back when another downloader announces the block, and
 *   asked of that one.
 * - Endgame: once nothing is left to hand out and only a few blocks are in
 *   flight (`endgameBlocks`), an idle provider also asks for those; the first
 *   copy to arrive wins and the others are cancelled. (Earlier, with windows
 *   of up to 32 blocks, it would duplicate half of a small file.)
 */
import { LACK_RETRY_MS, SEEDER_WINDOW, SPREAD_BLOCKS, TAKE_BACK_SECONDS } from './constants.js'
import { forget, mayServe, newProvider, nextWindow, noteHave, noteMissing, slowRequests, type Provider } from './provider-state.js'
import type { CID } from 'multiformats/cid'

export interface SchedulerInit {
  initialWindow: number
  maxWindow: number
  /**
   * Once a provider's rate is measured, its window holds about this many
   * seconds of its deliveries (at least 2 requests): a provider answers in
   * request order, so a short queue there lets urgent blocks overtake soon.
   */
  queueSeconds: number
  /** Endgame starts once nothing is left to hand out and at most this many blocks are in flight. */
  endgameBlocks: number
  /** A provider that does not announce and said it lacked a block is asked for it again after this long (ms; LACK_RETRY_MS). */
  lackRetryMs?: number
  /** A new provider is asked for nothing for this long (ms) unless it announces what it holds (default 0). */
  announceWaitMs?: number
  /** Spreading picks among this many blocks in file order (see above; SPREAD_BLOCKS); 0 for file order always. */
  spreadBlocks?: number
  /** While spreading, a provider that holds every block is asked for at most this many at a time (SEEDER_WINDOW). */
  seederWindow?: number
  /**
   * A request expected to take longer than this (s) to arrive from its
   * provider is taken back when another provider announces the block
   * (TAKE_BACK_SECONDS; see `have`).
   */
  takeBackSeconds?: number
  /** Random numbers in [0, 1) for spreading (Math.random). */
  random?(): number
}

export interface Request {
  peer: string
  cid: CID
}

type State = 'wanted' | 'in-flight' | 'done'

export class Scheduler {
  private readonly providers = new Map<string, Provider>()
  private readonly cids = new Map<string, CID>()
  private readonly state = new Map<string, State>()
  /** In file order; `cursor` skips what is no longer wanted. */
  private readonly main: string[] = []
  private cursor = 0
  private readonly urgent: string[] = []
  private priority: string[] = []
  /** What `urgent` and `priority` hold, for `preempt`. */
  private readonly urgentKeys = new Set<string>()
  private priorityKeys = new Set<string>()
  private readonly retry: string[] = []
  /** Blocks preempted at a provider, asked for once everything else has been. */
  private readonly deferred: string[] = []
  private wantedCount = 0
  private inFlightCount = 0
  /** Every block to fetch has been listed (no endgame before: more may be coming). */
  private listed = false
  /** Orders requests and announcements (see provider-state.ts). */
  private seq = 0

  private readonly spreadBlocks: number
  private readonly seederWindow: number

  constructor (private readonly init: SchedulerInit) {
    this.spreadBlocks = init.spreadBlocks ?? SPREAD_BLOCKS
    this.seederWindow = init.seederWindow ?? SEEDER_WINDOW
  }

  /** Adds blocks to fetch: `urgent` ones before everything else. Blocks already known are only re-prioritised. */
  want (cids: Iterable<CID>, options: { urgent?: boolean } = {}): void {
    for (const cid of cids) {
      const key = cid.toString()
      const state = this.state.get(key)
      if (state === 'done') continue
      if (state == null) {
        this.cids.set(key, cid)
        this.state.set(key, 'wanted')
        this.wantedCount++
        for (const p of this.providers.values()) if (p.has.has(key)) p.offers.push(key)
        if (options.urgent !== true) {
          this.main.push(key)
          continue
        }
      }
      if (options.urgent === true && this.state.get(key) === 'wanted') {
        this.urgent.push(key)
        this.urgentKeys.add(key)
      }
    }
  }

  /**
   * Says that every block to fetch has been given to `want`: only then can
   * the endgame start (while a download still walks its DAG, the wanted
   * queue runs dry often without the end being near).
   */
  allListed (): void {
    this.listed = true
  }

  /**
   * Replaces the priority list: these blocks, in this order, go after the
   * urgent ones and before all others (what video players read next).
   */
  setPriority (cids: Iterable<CID>): void {
    const keys = [...cids].map(c => c.toString())
    this.priorityKeys = new Set(keys)
    this.priority = keys.filter(k => this.state.get(k) === 'wanted')
  }

  /**
   * Makes room at `peer` for the urgent and priority blocks it could be
   * asked for now, when its window is full of other requests: its newest
   * requests for other blocks are handed out again (a provider answers in
   * request order, so those would come last). The oldest `keep` requests
   * stay (the provider is probably sending them already).
   *
   * @returns the blocks to CANCEL at `peer`
   */
  preempt (peer: string, keep = 1): CID[] {
    const provider = this.providers.get(peer)
    if (provider == null) return []
    let demand = 0
    for (const key of new Set([...this.urgent, ...this.priority])) {
      if (this.state.get(key) === 'wanted' && mayServe(provider, key, Date.now())) demand++
    }
    let need = Math.min(demand, provider.window) - (provider.window - provider.inFlight.size)
    if (need <= 0) return []
    const requests = [...provider.inFlight.keys()]
    const out: CID[] = []
    for (let i = requests.length - 1; i >= keep && need > 0; i--) {
      const key = requests[i] as string
      if (this.urgentKeys.has(key) || this.priorityKeys.has(key)) continue
      provider.inFlight.delete(key)
      // asked for again only after the rest: a copy the provider sent before the CANCEL still comes first
      this.release(key, this.deferred)
      out.push(this.cids.get(key) as CID)
      need--
    }
    return out
  }

  /** Blocks wanted or in flight. */
  get remaining (): number {
    return this.wantedCount + this.inFlightCount
  }

  /** True once every wanted block has arrived. */
  get done (): boolean {
    return this.remaining === 0
  }

  isWanted (cid: CID): boolean {
    const state = this.state.get(cid.toString())
    return state === 'wanted' || state === 'in-flight'
  }

  addProvider (peer: string, now = Date.now()): void {
    if (this.providers.has(peer)) return
    const wait = this.init.announceWaitMs ?? 0
    this.providers.set(peer, newProvider(this.init.initialWindow, wait > 0 ? now + wait : 0))
  }

  /** Forgets a provider; what it had in flight is handed out again. */
  removeProvider (peer: string): void {
    const provider = this.providers.get(peer)
    if (provider == null) return
    this.providers.delete(peer)
    for (const key of provider.inFlight.keys()) this.release(key)
  }

  /** Requests in flight at `peer`. */
  inFlight (peer: string): number {
    return this.providers.get(peer)?.inFlight.size ?? 0
  }

  /** The blocks to ask `peer` for now, filling its window. */
  next (peer: string, now = Date.now()): CID[] {
    const provider = this.providers.get(peer)
    // a new provider that may announce soon (see provider-state.ts)
    if (provider == null || (!provider.announces && now < provider.quietUntil)) return []
    const out: CID[] = []
    const asked = { at: now, seq: ++this.seq }
    const take = (key: string): void => {
      this.state.set(key, 'in-flight')
      this.wantedCount--
      this.inFlightCount++
      provider.inFlight.set(key, asked)
      out.push(this.cids.get(key) as CID)
    }
    // while downloaders trade, one that holds everything (the seeder) is asked for few blocks at a time: the blocks
    // that reach a downloader from it are ones no other asked for (yet), and the rest comes from the others
    const window = provider.all != null && this.spreading() ? Math.min(provider.window, this.seederWindow) : provider.window
    const room = (): boolean => provider.inFlight.size < window
    const drain = (deque: string[]): void => {
      for (let i = 0; i < deque.length && room();) {
        const key = deque[i] as string
        const state = this.state.get(key)
        if (state !== 'wanted') {
          deque.splice(i, 1)
        } else if (!mayServe(provider, key, now)) {
          i++
        } else {
          deque.splice(i, 1)
          take(key)
        }
      }
    }
    for (const deque of [this.urgent, this.priority, this.retry, provider.offers]) drain(deque)
    if (room()) {
      if (this.spreading()) this.spread(provider, take, window - provider.inFlight.size, now)
      else this.inOrder(provider, take, room, now)
    }
    drain(this.deferred)
    if (room() && this.listed && this.wantedCount === 0 && this.inFlightCount <= this.init.endgameBlocks) {
      // endgame: blocks in flight elsewhere, oldest request first
      const candidates: Array<[string, number]> = []
      for (const [other, p] of this.providers) {
        if (other === peer) continue
        for (const [key, since] of p.inFlight) {
          if (!provider.inFlight.has(key) && mayServe(provider, key, now)) candidates.push([key, since.at])
        }
      }
      candidates.sort((a, b) => a[1] - b[1])
      for (const [key] of candidates) {
        if (!room()) break
        if (provider.inFlight.has(key)) continue
        provider.inFlight.set(key, asked)
        out.push(this.cids.get(key) as CID)
      }
    }
    return out
  }

  /** Whether some provider announces what it holds without holding everything: another downloader of the file. */
  private spreading (): boolean {
    if (this.spreadBlocks <= 0) return false
    for (const p of this.providers.values()) if (p.announces && p.all == null) return true
    return false
  }

  /** The rest in file order (a block `provider` lacks waits in the retry queue). */
  private inOrder (provider: Provider, take: (key: string) => void, room: () => boolean, now: number): void {
    while (room() && this.cursor < this.main.length) {
      const key = this.main[this.cursor++] as string
      if (this.state.get(key) !== 'wanted') continue
      if (mayServe(provider, key, now)) take(key)
      else this.retry.push(key)
    }
  }

  /**
   * The rest spread: of the next `spreadBlocks` wanted blocks in file order,
   * those announced by the fewest providers first (none: nobody else can
   * give them), at random among equals.
   */
  private spread (provider: Provider, take: (key: string) => void, room: number, now: number): void {
    while (this.cursor < this.main.length && this.state.get(this.main[this.cursor] as string) !== 'wanted') this.cursor++
    const candidates: Array<[string, number]> = []
    let seen = 0
    for (let i = this.cursor; i < this.main.length && seen < this.spreadBlocks; i++) {
      const key = this.main[i] as string
      if (this.state.get(key) !== 'wanted') continue
      seen++
      if (!mayServe(provider, key, now)) continue
      let holders = 0
      for (const p of this.providers.values()) if (p.has.has(key)) holders++
      candidates.push([key, holders + (this.init.random ?? Math.random)()])
    }
    candidates.sort((a, b) => a[1] - b[1])
    for (const [key] of candidates.slice(0, room)) take(key)
  }

  /**
   * `peer` delivered a verified block. Returns the other providers that have
   * it in flight (to cancel), and whether it was still wanted.
   */
  received (peer: string, cid: CID, now = Date.now()): { wanted: boolean, cancel: string[] } {
    const key = cid.toString()
    const provider = this.providers.get(peer)
    if (provider != null) {
      provider.inFlight.delete(key)
      provider.delivered++
      provider.window = nextWindow(provider, now, this.init)
    }
    const state = this.state.get(key)
    if (state == null || state === 'done') return { wanted: false, cancel: [] }
    if (state === 'wanted') this.wantedCount--
    else this.inFlightCount--
    this.state.set(key, 'done')
    this.urgentKeys.delete(key)
    const cancel: string[] = []
    for (const [other, p] of this.providers) {
      forget(p, key)
      if (p.inFlight.delete(key)) cancel.push(other)
    }
    return { wanted: true, cancel }
  }

  /**
   * `peer` does not hold the block: someone else is asked (and `peer` again
   * later, see provider-state.ts). Returns true when `peer` had announced
   * the block before it was asked for it (a false announcement).
   */
  missing (peer: string, cid: CID, now = Date.now()): boolean {
    const key = cid.toString()
    const provider = this.providers.get(peer)
    if (provider == null) return false
    const asked = provider.inFlight.get(key)
    if (asked != null) {
      provider.inFlight.delete(key)
      this.release(key)
    }
    return noteMissing(provider, key, asked, now, this.init.lackRetryMs ?? LACK_RETRY_MS)
  }

  /**
   * `peer` announced that it holds these blocks, or with `all`, every block
   * of the file. Requests for them that would take longer than
   * `takeBackSeconds` to arrive from a provider of the whole file (the
   * seeder), at its measured rate (or, before that is known, that wait
   * behind another request there), are taken back and handed to `peer`.
   *
   * @returns the blocks taken back, by provider, to CANCEL there
   */
  have (peer: string, cids: CID[], all = false): Map<string, CID[]> {
    const provider = this.providers.get(peer)
    if (provider == null) return new Map()
    const wanted = (key: string): boolean | undefined => {
      const state = this.state.get(key)
      return state === 'done' ? false : state === 'wanted' ? true : undefined
    }
    const keys = cids.map(c => c.toString())
    noteHave(provider, keys, all, ++this.seq, wanted, Math.max(4096, 2 * this.state.size))
    return this.takeBack(peer, provider, new Set(keys))
  }

  /**
   * Takes back requests for `announced` blocks that wait long at other
   * providers. A slow provider (a seeder on a home uplink, shared by several
   * downloaders) would otherwise send a block that `peer` just got from it
   * or from someone else: the seeder's upload is what swarming saves, and it
   * drops a cancelled block it has not started to send (see server.ts). A
   * block already on its way then comes twice, which costs the seeder
   * nothing more.
   */
  private takeBack (peer: string, to: Provider, announced: Set<string>): Map<string, CID[]> {
    const cancel = new Map<string, CID[]>()
    if (announced.size === 0) return cancel
    const seconds = this.init.takeBackSeconds ?? TAKE_BACK_SECONDS
    for (const [other, provider] of this.providers) {
      // only from a provider of the whole file: between downloaders it saves no one's upload, and a busy one's
      // blocks taken back and then sent anyway would come twice
      if (other === peer || provider.all == null) continue
      for (const key of slowRequests(provider, announced, seconds)) {
        provider.inFlight.delete(key)
        // and after everything else to anyone, should `peer` go away or turn out not to hold it after all
        this.release(key, to.offers, this.deferred)
        cancel.set(other, [...(cancel.get(other) ?? []), this.cids.get(key) as CID])
      }
    }
    return cancel
  }

  /** False announcements `peer` made (MISSING for blocks it had announced). */
  falseHaves (peer: string): number {
    return this.providers.get(peer)?.falseHaves ?? 0
  }

  /** A block marked received could not be kept (storage failed): it is wanted again. */
  requeue (cid: CID): void {
    const key = cid.toString()
    if (this.state.get(key) !== 'done') return
    this.state.set(key, 'wanted')
    this.wantedCount++
    this.retry.push(key)
  }

  /**
   * Requests older than `timeoutMs`: they are handed out again and their
   * providers' windows halved.
   */
  expire (timeoutMs: number, now = Date.now()): Request[] {
    const expired: Request[] = []
    for (const [peer, provider] of this.providers) {
      let any = false
      for (const [key, since] of provider.inFlight) {
        if (now - since.at < timeoutMs) continue
        provider.inFlight.delete(key)
        this.release(key)
        expired.push({ peer, cid: this.cids.get(key) as CID })
        any = true
      }
      if (any) provider.window = Math.max(1, Math.floor(provider.window / 2))
    }
    return expired
  }

  /** Window of a provider (for tests and status). */
  window (peer: string): number {
    return this.providers.get(peer)?.window ?? 0
  }

  /**
   * A block no longer in flight at some provider: wanted again unless another
   * has it in flight, and put in `queues` (the first to drain it takes it;
   * the others drop it, as no longer wanted).
   */
  private release (key: string, ...queues: string[][]): void {
    if (this.state.get(key) !== 'in-flight') return
    for (const p of this.providers.values()) if (p.inFlight.has(key)) return
    this.state.set(key, 'wanted')
    this.inFlightCount--
    this.wantedCount++
    for (const queue of queues.length > 0 ? queues : [this.retry]) queue.push(key)
  }
}
