import { MAX_STRIKES, PENALTY_MS } from './constants.js'

/**
 * Peers that sent corrupt blocks. A strike drops the peer for the file it
 * lied about (the download does that); MAX_STRIKES strikes make every
 * download ignore it for PENALTY_MS.
 */
export class Penalties {
  private readonly strikes = new Map<string, { count: number, until: number }>()

  constructor (private readonly now: () => number = Date.now) {}

  strike (peer: string): void {
    const entry = this.strikes.get(peer) ?? { count: 0, until: 0 }
    entry.count++
    if (entry.count >= MAX_STRIKES) entry.until = this.now() + PENALTY_MS
    this.strikes.set(peer, entry)
  }

  isBanned (peer: string): boolean {
    const entry = this.strikes.get(peer)
    if (entry == null || entry.until === 0) return false
    if (entry.until > this.now()) return true
    this.strikes.delete(peer)
    return false
  }
}
