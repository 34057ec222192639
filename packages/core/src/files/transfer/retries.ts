/**
 * When a download may ask a provider again. After a failure (a block stream
 * that did not open, a session that ended in an error) the download itself
 * tries the provider again after PROVIDER_RETRY_MS, then after twice that,
 * and so on while the wait stays below PROVIDER_SEARCH_INTERVAL_MS; past
 * that, the next search for providers finds it again. A transient failure
 * thus costs a few seconds, not a search interval, and a peer gone for good
 * is not dialled every few seconds.
 */
import { PROVIDER_RETRY_MS, PROVIDER_SEARCH_INTERVAL_MS } from './constants.js'

export class ProviderRetries {
  /** No new stream to a provider before this time (ms since the epoch). */
  private readonly notBefore = new Map<string, number>()
  /** Failures in a row, by provider. */
  private readonly failures = new Map<string, number>()
  /** Providers the download tries again itself once their wait is over. */
  private readonly soon = new Set<string>()

  /** Whether a new stream to `peer` may be opened now. */
  allowed (peer: string, now: number): boolean {
    return (this.notBefore.get(peer) ?? 0) <= now
  }

  /** `peer` failed: waits twice as long as after its previous failure, and is tried again soon while that is short. */
  failed (peer: string, now: number): void {
    const failures = (this.failures.get(peer) ?? 0) + 1
    this.failures.set(peer, failures)
    const wait = PROVIDER_RETRY_MS * 2 ** (failures - 1)
    this.notBefore.set(peer, now + wait)
    if (wait < PROVIDER_SEARCH_INTERVAL_MS) this.soon.add(peer)
    else this.soon.delete(peer)
  }

  /** `peer` is not asked for PROVIDER_RETRY_MS (its connection could not carry the file), without counting a failure. */
  later (peer: string, now: number): void {
    this.notBefore.set(peer, now + PROVIDER_RETRY_MS)
  }

  /** A session with `peer` started: its failures are forgotten. */
  succeeded (peer: string): void {
    this.failures.delete(peer)
    this.soon.delete(peer)
  }

  /** `peer` may be asked at once (a connection that may carry more opened). */
  clear (peer: string): void {
    this.notBefore.delete(peer)
  }

  /** `peer` is not to be asked again (dropped for this file). */
  forget (peer: string): void {
    this.soon.delete(peer)
  }

  /** The providers to try again now: their wait after a failure is over. */
  due (now: number): string[] {
    const out: string[] = []
    for (const peer of this.soon) {
      if (!this.allowed(peer, now)) continue
      this.soon.delete(peer)
      out.push(peer)
    }
    return out
  }
}
