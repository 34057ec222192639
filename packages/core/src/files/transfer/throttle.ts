import { sleep } from '../../connectivity/backoff.js'
import type { AbortOptions } from '@libp2p/interface'

/**
 * An upload rate limit shared by every block stream: a token bucket of
 * `bytesPerSecond`, holding at most one second's worth. 0 means unlimited.
 * Senders wait their turn in order, so one stream cannot starve the others.
 */
export class Throttle {
  private tokens = 0
  private last: number
  private queue: Promise<void> = Promise.resolve()

  constructor (private limit = 0, private readonly now: () => number = () => performance.now()) {
    this.last = now()
  }

  get bytesPerSecond (): number {
    return this.limit
  }

  set bytesPerSecond (limit: number) {
    if (!Number.isFinite(limit) || limit < 0) throw new RangeError('an upload limit is a number of bytes per second, 0 for none')
    this.limit = limit
  }

  /**
   * Resolves once `bytes` may be sent. Rejects if `options.signal` aborts
   * first, having taken nothing: the next sender goes on.
   */
  async take (bytes: number, options: AbortOptions = {}): Promise<void> {
    const turn = this.queue.then(async () => this.wait(bytes, options))
    this.queue = turn.catch(() => {})
    return turn
  }

  private async wait (bytes: number, options: AbortOptions): Promise<void> {
    options.signal?.throwIfAborted()
    while (this.limit > 0) {
      const now = this.now()
      this.tokens = Math.min(this.limit, this.tokens + (now - this.last) * this.limit / 1000)
      this.last = now
      // a block larger than the bucket goes once the bucket is full, leaving it in debt
      if (this.tokens >= Math.min(bytes, this.limit)) {
        this.tokens -= bytes
        return
      }
      await sleep(Math.ceil((Math.min(bytes, this.limit) - this.tokens) * 1000 / this.limit), options)
    }
  }
}
