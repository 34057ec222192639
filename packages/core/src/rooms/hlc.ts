import type { Hlc } from './types.js'

/**
 * A hybrid logical clock: timestamps follow wall time but never go backwards
 * and always exceed every timestamp seen, so messages order the same way on
 * every member (ties broken by message id).
 */
export class HybridClock {
  private last: Hlc = { wall: 0, counter: 0 }

  constructor (private readonly wallClock: () => number = Date.now) {}

  /** A timestamp for a local event. */
  now (): Hlc {
    const wall = this.wallClock()
    this.last = wall > this.last.wall
      ? { wall, counter: 0 }
      : { wall: this.last.wall, counter: this.last.counter + 1 }
    return this.last
  }

  /** Moves the clock past a timestamp received from another member. */
  observe (remote: Hlc): void {
    if (compareHlc(remote, this.last) > 0) this.last = { ...remote }
  }
}

export function compareHlc (a: Hlc, b: Hlc): number {
  return a.wall - b.wall || a.counter - b.counter
}

/** The order of messages in every member's history: HLC, then id. */
export function compareMessages (a: { hlc: Hlc, id: string }, b: { hlc: Hlc, id: string }): number {
  return compareHlc(a.hlc, b.hlc) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
