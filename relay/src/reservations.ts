import type { Acceptance } from './metrics.js'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Connection, ConnectionGater, Counter, CounterGroup, Libp2pEvents, Metrics, PeerId, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'

/** Why a reservation request was refused (the label of `peerlink_relay_reservations_refused_total`). */
export type RefusalReason = 'store_full' | 'stopping'

/** The peer-store tag circuit-relay-v2's server puts on a peer with a reservation. */
const RELAY_SOURCE_TAG = 'circuit-relay-source'

export interface ReservationReaperInit {
  /** ms a reservation outlives its peer's last connection. */
  grace: number
  /** Most reservations the relay server holds (its `maxReservations`). */
  maxReservations: number
}

export interface ReservationReaperComponents {
  relay: Pick<CircuitRelayService, 'reservations'>
  getConnections(peerId?: PeerId): Connection[]
  events: TypedEventTarget<Libp2pEvents>
  peerStore?: PeerStore
  metrics?: Metrics
  log: Logger
}

/**
 * Ends circuit relay v2 reservations whose peer has gone. The relay server
 * keeps a reservation for its whole TTL (2 h by default) after the peer's
 * connection closed, so 128 visitors who come and go fill the store and a
 * new client is refused. Here a reservation ends once its peer has had no
 * open connection for `grace` ms (a peer that reconnects within the grace
 * keeps it), and when the store is full a reservation of a peer with no
 * connection makes room for a new client before that client is refused.
 *
 * `gater()` adds the check that runs before each RESERVE; refusals (the
 * server answers RESERVATION_REFUSED) are counted in
 * `peerlink_relay_reservations_refused_total` by reason (`store_full`,
 * `stopping`), reservations ended here in
 * `peerlink_relay_reservations_reaped_total`.
 */
export class ReservationReaper implements Startable {
  /** When each reserved peer was last seen without a connection. */
  private readonly goneSince = new Map<string, number>()
  private components?: ReservationReaperComponents
  private timer?: ReturnType<typeof setInterval>
  private refused?: CounterGroup<RefusalReason>
  private reaped?: Counter
  private refusedCount = 0
  private reapedCount = 0
  private draining = false

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const key = evt.detail.toString()
    if (this.components?.relay.reservations.has(evt.detail) === true && !this.goneSince.has(key)) this.goneSince.set(key, Date.now())
  }

  constructor (private readonly init: ReservationReaperInit) {}

  /** The counts so far (the metrics, for tests and /healthz). */
  get stats (): { refused: number, reaped: number } {
    return { refused: this.refusedCount, reaped: this.reapedCount }
  }

  /** Wires in the node, once it exists (the gater is made before it). */
  attach (components: ReservationReaperComponents): void {
    this.components = components
    this.refused = components.metrics?.registerCounterGroup('peerlink_relay_reservations_refused_total', {
      label: 'reason',
      help: 'reservation requests refused: store_full (every reservation held by a connected peer) or stopping (the stop drain)'
    })
    // both series exist from the start (at 0), so rates and alerts see them before the first refusal
    this.refused?.increment({ store_full: 0, stopping: 0 })
    this.reaped = components.metrics?.registerCounter('peerlink_relay_reservations_reaped_total', {
      help: 'reservations ended because their peer had no connection for the grace period'
    })
  }

  start (): void {
    const components = this.components
    if (components == null) throw new Error('ReservationReaper.attach() must be called before start()')
    components.events.addEventListener('peer:disconnect', this.onDisconnect)
    // a reservation ends between grace and grace + interval after its peer left
    const interval = Math.min(5_000, Math.max(100, Math.floor(this.init.grace / 4)))
    this.timer = setInterval(() => { this.sweep() }, interval)
    this.timer.unref()
  }

  /**
   * Whether a new peer could reserve now: not while draining, nor when the
   * store is full and every reservation's peer is connected (none could make room).
   */
  acceptance (): Acceptance {
    if (this.draining) return { accepting: false, reason: 'stopping' }
    const reservations = this.components?.relay.reservations
    if (reservations == null || reservations.size < this.init.maxReservations) return { accepting: true }
    for (const [peer] of reservations) {
      if (!this.connected(peer)) return { accepting: true }
    }
    return { accepting: false, reason: 'reservations full' }
  }

  /** Refuses every new reservation from now on (the relay is stopping; a renewal is refused too). */
  drain (): void {
    this.draining = true
  }

  stop (): void {
    clearInterval(this.timer)
    this.components?.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.goneSince.clear()
  }

  /** Adds the reservation check to `base` (the relay server asks it before each RESERVE). */
  gater (base: ConnectionGater): ConnectionGater {
    return {
      ...base,
      denyInboundRelayReservation: async (peer: PeerId) => {
        if ((await base.denyInboundRelayReservation?.(peer)) === true) return true
        if (this.draining) {
          this.countRefusal('stopping')
          this.components?.log('refusing a reservation for %p: the relay is stopping', peer)
          return true
        }
        this.beforeReserve(peer)
        // never deny here: a full store answers RESERVATION_REFUSED itself (the gater's denial would be PERMISSION_DENIED)
        return false
      }
    }
  }

  /** Makes room for `peer` if the store is full and a reserved peer has gone; counts a refusal otherwise. */
  private beforeReserve (peer: PeerId): void {
    const reservations = this.components?.relay.reservations
    if (reservations == null || reservations.has(peer) || reservations.size < this.init.maxReservations) return
    this.sweep()
    if (reservations.size < this.init.maxReservations) return
    let oldest: PeerId | undefined
    let oldestSince = Infinity
    for (const [other] of reservations) {
      if (this.connected(other)) continue
      const since = this.goneSince.get(other.toString()) ?? Date.now()
      if (since < oldestSince) {
        oldest = other
        oldestSince = since
      }
    }
    if (oldest != null) {
      this.end(oldest, 'store full and its peer has no connection')
      return
    }
    this.countRefusal('store_full')
    this.components?.log('reservation for %p will be refused: %d of %d held, all by connected peers', peer, reservations.size, this.init.maxReservations)
  }

  private countRefusal (reason: RefusalReason): void {
    this.refusedCount++
    this.refused?.increment({ [reason]: true })
  }

  /** Ends the reservations of peers gone for the grace period; starts the clock for peers found without a connection. */
  sweep (): void {
    const reservations = this.components?.relay.reservations
    if (reservations == null) return
    const now = Date.now()
    const reserved = new Set([...reservations.keys()].map(p => p.toString()))
    for (const key of this.goneSince.keys()) {
      if (!reserved.has(key)) this.goneSince.delete(key)
    }
    for (const [peer] of reservations) {
      const key = peer.toString()
      if (this.connected(peer)) {
        this.goneSince.delete(key)
        continue
      }
      const since = this.goneSince.get(key)
      if (since == null) this.goneSince.set(key, now)
      else if (now - since >= this.init.grace) this.end(peer, `no connection for ${now - since} ms`)
    }
  }

  private connected (peer: PeerId): boolean {
    return this.components?.getConnections(peer).some(c => c.status === 'open') ?? false
  }

  private end (peer: PeerId, why: string): void {
    const components = this.components
    if (components == null) return
    const reservation = components.relay.reservations.get(peer)
    if (reservation == null) return
    // the reservation's TTL signal deletes the peer's entry when it fires: stop it, or it would end a later reservation
    reservation.signal.clear()
    components.relay.reservations.delete(peer)
    this.goneSince.delete(peer.toString())
    this.reapedCount++
    this.reaped?.increment()
    components.log('ended reservation of %p: %s', peer, why)
    components.peerStore?.merge(peer, { tags: { [RELAY_SOURCE_TAG]: undefined } })
      .catch((err: unknown) => { components.log('could not untag %p: %e', peer, err) })
  }
}
