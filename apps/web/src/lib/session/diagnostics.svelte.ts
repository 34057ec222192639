import { errorMessage } from '../shared/errors.ts'
import type { Session } from './session.svelte.ts'
import { throughput } from './throughput.ts'
import type { ConnectionStats } from './session-api.ts'

/** How often the diagnostics view measures each peer while it is open. */
export const MEASURE_MS = 3000
/** How long one ping may take before it counts as failed. */
const PING_TIMEOUT_MS = 5000

/** What the diagnostics view measured of one peer. */
export interface PeerMeasure {
  /** Round-trip time of the last ping, ms. */
  rttMs?: number
  /** Why the last ping failed. */
  rttError?: string
  /** Bytes per second sent and received over the connection since the previous reading (WebRTC connections only). */
  sendRate?: number
  receiveRate?: number
}

/**
 * The measurements of the diagnostics view: while it runs ({@link start}),
 * every MEASURE_MS it pings each connected peer (libp2p ping: the round trip
 * over the connection in use, whatever its path) and reads each WebRTC
 * connection's byte counters, whose change since the previous reading is its
 * current throughput. It also re-reads the session's snapshots, so that the
 * relays' remaining limits and reservation expiries stay current.
 */
export class DiagnosticsModel {
  measures = $state.raw<Record<string, PeerMeasure>>({})

  #timer?: ReturnType<typeof setInterval>
  #running = false
  /** The previous reading per peer: plain (the rates derived from it are the state). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #readings = new Map<string, ConnectionStats>()

  constructor (private readonly session: Pick<Session, 'peers' | 'ping' | 'connectionStats' | 'refresh'>, private readonly intervalMs = MEASURE_MS) {}

  /** Starts measuring (at once, then every interval). */
  start (): void {
    if (this.#timer != null) return
    void this.#measure()
    this.#timer = setInterval(() => { void this.#measure() }, this.intervalMs)
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  async #measure (): Promise<void> {
    if (this.#running) return // the previous round is still waiting for a ping
    this.#running = true
    try {
      this.session.refresh()
      const peers = this.session.peers.map(p => p.peerId)
      for (const peerId of this.#readings.keys()) if (!peers.includes(peerId)) this.#readings.delete(peerId)
      const measured = await Promise.all(peers.map(async peerId => [peerId, await this.#measurePeer(peerId)] as const))
      if (this.#timer != null) this.measures = Object.fromEntries(measured)
    } finally {
      this.#running = false
    }
  }

  async #measurePeer (peerId: string): Promise<PeerMeasure> {
    const measure: PeerMeasure = {}
    const [rtt, stats] = await Promise.allSettled([
      this.session.ping(peerId, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) }),
      this.session.connectionStats(peerId)
    ])
    if (rtt.status === 'fulfilled') measure.rttMs = Math.round(rtt.value)
    else measure.rttError = errorMessage(rtt.reason)
    const reading = stats.status === 'fulfilled' ? stats.value : undefined
    const previous = this.#readings.get(peerId)
    if (reading == null) {
      this.#readings.delete(peerId)
      return measure
    }
    this.#readings.set(peerId, reading)
    // a new connection (counters restarted) gives no rate until its next reading
    return { ...measure, ...throughput(previous, reading) }
  }
}
