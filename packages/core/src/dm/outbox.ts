/**
 * Our queued messages, and one delivery loop per peer that has any: it tries
 * to deliver, and while messages stay queued retries with backoff, or at once
 * when woken (the peer connected, a message was added).
 */
import { logger } from '@libp2p/logger'
import { backoffDelay, sleep, type BackoffOptions } from '../connectivity/backoff.js'
import { compareMessages, type DmRecord } from './store.js'

const log = logger('peerlink:dm')

export interface OutboxInit {
  /**
   * One delivery attempt to `peerId`: send `next()` until it returns
   * undefined, calling `delivered` for each ack. Throws when the attempt fails.
   */
  deliver(peerId: string, next: () => DmRecord | undefined, signal: AbortSignal): Promise<void>
  backoff: BackoffOptions
}

interface Loop {
  /** Set when woken during an attempt, so the next one starts without waiting. */
  woken: boolean
  wake: AbortController
  done: Promise<void>
}

export class Outbox {
  private readonly queues = new Map<string, Map<string, DmRecord>>()
  private readonly loops = new Map<string, Loop>()
  private controller?: AbortController

  constructor (private readonly init: OutboxInit) {}

  get running (): boolean {
    return this.controller != null
  }

  /** Starts delivering (restored records and those added later). */
  start (restored: DmRecord[]): void {
    for (const record of restored) this.enqueue(record)
    this.controller = new AbortController()
    for (const peerId of this.queues.keys()) this.kick(peerId)
  }

  /** Stops every loop and waits for them; queued records stay for the next start. */
  async stop (): Promise<void> {
    this.controller?.abort()
    this.controller = undefined
    await Promise.all([...this.loops.values()].map(async loop => loop.done))
  }

  /** Queues one of our messages and starts (or wakes) delivery to its peer. */
  add (record: DmRecord): void {
    this.enqueue(record)
    this.kick(record.message.peerId)
  }

  /** Takes a delivered message out of the queue. */
  remove (peerId: string, id: string): void {
    const queue = this.queues.get(peerId)
    queue?.delete(id)
    if (queue?.size === 0) this.queues.delete(peerId)
  }

  /** Every queued message. */
  records (): DmRecord[] {
    return [...this.queues.values()].flatMap(queue => [...queue.values()])
  }

  /** The oldest queued message to `peerId`. */
  next (peerId: string): DmRecord | undefined {
    const queue = this.queues.get(peerId)
    if (queue == null) return undefined
    let first: DmRecord | undefined
    for (const record of queue.values()) {
      if (first == null || compareMessages(record.message, first.message) < 0) first = record
    }
    return first
  }

  /** Tries to deliver to `peerId` now, if anything is queued for it and we are running. */
  kick (peerId: string): void {
    const controller = this.controller
    if (controller == null || !this.queues.has(peerId)) return
    const loop = this.loops.get(peerId)
    if (loop != null) {
      loop.woken = true
      loop.wake.abort()
      return
    }
    const created: Loop = { woken: false, wake: new AbortController(), done: Promise.resolve() }
    this.loops.set(peerId, created)
    created.done = this.run(peerId, created, controller.signal)
  }

  private enqueue (record: DmRecord): void {
    const { peerId, id } = record.message
    let queue = this.queues.get(peerId)
    if (queue == null) {
      queue = new Map()
      this.queues.set(peerId, queue)
    }
    queue.set(id, record)
  }

  private async run (peerId: string, loop: Loop, signal: AbortSignal): Promise<void> {
    let attempt = 0
    try {
      while (!signal.aborted && this.queues.has(peerId)) {
        loop.woken = false
        try {
          await this.init.deliver(peerId, () => this.next(peerId), signal)
          attempt = 0
          continue
        } catch (err) {
          if (signal.aborted) break
          log('delivering to %s failed (attempt %d): %e', peerId, attempt, err)
        }
        const delay = backoffDelay(attempt++, this.init.backoff)
        if (loop.woken) continue
        if (loop.wake.signal.aborted) loop.wake = new AbortController()
        try {
          await sleep(delay, { signal: AbortSignal.any([signal, loop.wake.signal]) })
        } catch {
          // woken or stopped: the loop condition decides
        }
        if (loop.wake.signal.aborted) loop.wake = new AbortController()
      }
    } finally {
      if (this.loops.get(peerId) === loop) this.loops.delete(peerId)
    }
  }
}
