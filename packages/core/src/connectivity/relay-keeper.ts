import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { fetchRelayInfo, type ParsedRelayInfo } from '../config/relay-info.js'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
import { RelayReservationMissingError, RelayUnresponsiveError } from '../errors.js'
import { backoffDelay, sleep, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { bestConnection, transportOf, type TransportName } from './connection-info.js'
import { RelayProbes } from './relay-probe.js'
import type { Reservations } from './reservations.js'
import type { RelayEntry } from '../config/relays.js'
import type { AbortOptions, Libp2p, PeerId, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('peerlink:relays')

/** Tag that keeps the connection manager from pruning relay connections. */
const RELAY_TAG = 'peerlink-relay'

/**
 * How the keeper checks that a connected relay still answers. A connection
 * can stay open with nobody behind it: a relay killed and restarted on the
 * same WebRTC-direct port answers the old connection's ICE checks (its
 * listener takes them for a new client), so the browser never closes it, and
 * the relay no longer holds our reservation. libp2p's own connection monitor
 * is off (see create-peer.ts).
 */
export interface RelayHeartbeat {
  /** ms between probes of a relay connection while it answers. */
  intervalMs: number
  /** ms a probe (32 bytes echoed on the connection's ping stream, opened first when there is none) waits for any answer. */
  timeoutMs: number
  /**
   * Probes in a row that got no answer at all before the connection is closed
   * as dead and the relay dialled again (after a miss the next probe goes out
   * at once). Any answer, even a refusal, counts as one: the relay is there.
   */
  misses: number
}

/** A dead relay connection is found 20–30 s after its relay went silent. */
export const DEFAULT_RELAY_HEARTBEAT: RelayHeartbeat = { intervalMs: 10_000, timeoutMs: 10_000, misses: 2 }

/**
 * Reservations the keeper sees through: while fewer than `want` relays hold
 * one for us, a relay connection without a reservation `waitMs` after it
 * opened is closed (RelayReservationMissingError) and dialled again with the
 * keeper's backoff, as a lost connection is.
 */
export interface RelayReservations {
  /** How many relays should hold a reservation (as many as the node listens on `/p2p-circuit`). */
  want: number
  waitMs: number
}

/** ms a relay connection may go without a reservation (identify and the reservation take well under 1 s on an idle relay). */
export const RESERVATION_WAIT_MS = 20_000

/** How many relays a peer with `relays` configured reserves on: one each, up to three. */
export function reservationsWanted (relays: number): number {
  return Math.max(1, Math.min(3, relays))
}

export type RelayState = 'connecting' | 'connected' | 'reserved' | 'disconnected'

/** The state of one configured relay. */
export interface RelayStatus {
  /** The relay entry as configured (multiaddr or info URL). */
  input: string
  /** Known once the entry is resolved. */
  peerId?: string
  state: RelayState
  transport?: TransportName
  remoteAddr?: string
  /** The last error, kept until the next successful connection. */
  error?: string
  /** Epoch ms of the next reconnect attempt while disconnected. */
  retryAt?: number
  /** While reserved: when the relay's reservation for us expires (epoch ms; libp2p renews it before), when known. */
  reservationExpiresAt?: number
}

export interface RelayKeeperEvents {
  /** An attempt to resolve and dial a relay started. */
  'relay:connecting': CustomEvent<RelayStatus>
  /** A relay connection opened. */
  'relay:connected': CustomEvent<RelayStatus>
  /** The relay holds a reservation for us: we are reachable through it. */
  'relay:reserved': CustomEvent<RelayStatus>
  /** The connection to a relay closed; a reconnect is scheduled. */
  'relay:lost': CustomEvent<RelayStatus>
  /** Resolving or dialing a relay failed; a retry is scheduled. */
  'relay:error': CustomEvent<RelayStatus>
}

export interface RelayKeeperComponents {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener' | 'peerStore'>
}

export interface RelayKeeperInit {
  relays: RelayEntry[]
  backoff?: BackoffOptions
  /** Timeout of one resolve+dial attempt. */
  dialTimeoutMs?: number
  /** Liveness probes on connected relays. Default: DEFAULT_RELAY_HEARTBEAT. */
  heartbeat?: RelayHeartbeat
  /** Called with each relay info document fetched (its ICE servers, see RelayIceServers). */
  onInfo?: (url: string, info: ParsedRelayInfo) => void
  /** See the reservations through (a browser's keeper); without, a connection is enough (relays keeping each other). */
  reservations?: RelayReservations
  /** The reservations' expiry, from the circuit relay transport (see Reservations). */
  expiries?: Pick<Reservations, 'expiresAt' | 'addEventListener' | 'removeEventListener'>
}

/**
 * Keeps a connection open to every configured relay: resolves info URLs,
 * dials, and reconnects with exponential backoff when a relay goes away or
 * stops answering (see {@link RelayHeartbeat}). Reservations themselves are
 * made by the circuit relay transport; the keeper reports them.
 */
export class RelayKeeper extends TypedEventEmitter<RelayKeeperEvents> implements Startable {
  private readonly statuses: RelayStatus[]
  private controller?: AbortController
  private readonly backoff: BackoffOptions
  private readonly dialTimeoutMs: number
  private readonly heartbeat: RelayHeartbeat
  private readonly onSelfUpdate = (): void => { this.checkReservations() }
  /** A reservation was made, renewed or dropped: a reserved relay's status says so (its expiry). */
  private readonly onReservation = (evt: CustomEvent<{ relay: string }>): void => {
    const status = this.statuses.find(s => s.peerId === evt.detail.relay)
    if (status?.state === 'reserved') this.safeDispatchEvent('relay:reserved', { detail: this.snapshot(status) })
  }

  constructor (private readonly components: RelayKeeperComponents, private readonly init: RelayKeeperInit) {
    super()
    this.statuses = init.relays.map(entry => ({
      input: entry.input,
      state: 'connecting',
      ...(entry.kind === 'multiaddr' ? { peerId: entry.peerId } : {})
    }))
    this.backoff = init.backoff ?? DEFAULT_BACKOFF
    this.dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_TIMEOUT_MS
    this.heartbeat = init.heartbeat ?? DEFAULT_RELAY_HEARTBEAT
  }

  start (): void {
    this.controller = new AbortController()
    this.components.libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
    this.init.expiries?.addEventListener('reservation:created', this.onReservation)
    this.init.expiries?.addEventListener('reservation:removed', this.onReservation)
    this.init.relays.forEach((entry, i) => {
      void this.keep(entry, this.statuses[i]!, this.controller!.signal)
    })
  }

  stop (): void {
    this.controller?.abort(new Error('relay keeper stopped'))
    this.components.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
    this.init.expiries?.removeEventListener('reservation:created', this.onReservation)
    this.init.expiries?.removeEventListener('reservation:removed', this.onReservation)
  }

  /** A snapshot of every configured relay's state. */
  list (): RelayStatus[] {
    return this.statuses.map(s => this.snapshot(s))
  }

  /** A copy of `status`, with its reservation's expiry while reserved. */
  private snapshot (status: RelayStatus): RelayStatus {
    const expiresAt = status.state === 'reserved' && status.peerId != null ? this.init.expiries?.expiresAt(status.peerId) : undefined
    return { ...status, ...(expiresAt != null ? { reservationExpiresAt: expiresAt } : {}) }
  }

  /** True when the peer is one of the configured relays. */
  isRelay (peerId: string): boolean {
    return this.statuses.some(s => s.peerId === peerId)
  }

  private async keep (entry: RelayEntry, status: RelayStatus, signal: AbortSignal): Promise<void> {
    let attempt = 0
    /** Connections in a row that brought no reservation: their redials back off as failed dials do. */
    let unreserved = 0
    while (!signal.aborted) {
      let delay: number
      try {
        const peerId = await this.connect(entry, status, signal)
        attempt = 0
        const silent = await this.untilDisconnected(peerId, status, signal)
        unreserved = silent instanceof RelayReservationMissingError ? unreserved + 1 : 0
        delay = backoffDelay(unreserved, this.backoff)
        this.update(status, { state: 'disconnected', transport: undefined, remoteAddr: undefined, retryAt: Date.now() + delay, ...(silent != null ? { error: silent.message } : {}) }, 'relay:lost')
      } catch (err) {
        if (signal.aborted) return
        log.error('relay %s: %e', entry.input, err)
        delay = backoffDelay(attempt++, this.backoff)
        this.update(status, { state: 'disconnected', error: (err as Error).message, retryAt: Date.now() + delay }, 'relay:error')
      }
      try {
        await sleep(delay, { signal })
      } catch {
        return
      }
    }
  }

  private async connect (entry: RelayEntry, status: RelayStatus, signal: AbortSignal): Promise<PeerId> {
    this.update(status, { state: 'connecting', retryAt: undefined }, 'relay:connecting')
    const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(this.dialTimeoutMs)])
    const { peerId, multiaddrs } = await this.resolve(entry, { signal: attemptSignal })
    status.peerId = peerId
    const id = peerIdFromString(peerId)
    await this.components.libp2p.peerStore.merge(id, { tags: { [RELAY_TAG]: { value: 100 } } })
    const connection = await this.components.libp2p.dial(multiaddrs, { signal: attemptSignal })
    log('connected to relay %p via %a', id, connection.remoteAddr)
    this.update(status, {
      state: 'connected',
      error: undefined,
      transport: transportOf(connection.remoteAddr),
      remoteAddr: connection.remoteAddr.toString()
    }, 'relay:connected')
    this.checkReservations()
    return id
  }

  private async resolve (entry: RelayEntry, options: AbortOptions): Promise<{ peerId: string, multiaddrs: Multiaddr[] }> {
    if (entry.kind === 'multiaddr') {
      return { peerId: entry.peerId, multiaddrs: [entry.multiaddr] }
    }
    const info = await fetchRelayInfo(entry.url, options)
    this.init.onInfo?.(entry.url, info)
    return info
  }

  /**
   * Resolves once no open connection to the relay is left, probing them
   * meanwhile; with the error a connection was closed with for not answering.
   */
  private async untilDisconnected (peerId: PeerId, status: RelayStatus, signal: AbortSignal): Promise<RelayUnresponsiveError | RelayReservationMissingError | undefined> {
    const libp2p = this.components.libp2p
    const probing = new AbortController()
    let silent: RelayUnresponsiveError | RelayReservationMissingError | undefined
    void this.probeWhileOpen(peerId, AbortSignal.any([signal, probing.signal]), err => { silent = err })
    void this.watchReservation(peerId, status, AbortSignal.any([signal, probing.signal]), err => { silent = err })
    try {
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (signal.aborted || bestConnection(libp2p.getConnections(peerId)) == null) {
            libp2p.removeEventListener('connection:close', check)
            signal.removeEventListener('abort', check)
            resolve()
          }
        }
        libp2p.addEventListener('connection:close', check)
        signal.addEventListener('abort', check)
        check()
      })
    } finally {
      probing.abort()
    }
    return silent
  }

  /**
   * With `reservations`: closes the relay's connections when, `waitMs` after
   * connecting, the relay holds no reservation for us while fewer relays
   * than wanted do (a connection beyond those wanted needs none).
   */
  private async watchReservation (peerId: PeerId, status: RelayStatus, signal: AbortSignal, onMissing: (err: RelayReservationMissingError) => void): Promise<void> {
    const wanted = this.init.reservations
    if (wanted == null) return
    try {
      await sleep(wanted.waitMs, { signal })
    } catch {
      return
    }
    // the addresses as they are now (the keeper's states follow self:peer:update, which libp2p may send late)
    this.checkReservations()
    const reserved = this.statuses.filter(s => s.state === 'reserved').length
    if (status.state === 'reserved' || reserved >= wanted.want) return
    const err = new RelayReservationMissingError(`connected, but the relay gave no reservation within ${Math.round(wanted.waitMs / 1000)} s`)
    log('closing the connection to relay %p: %s', peerId, err.message)
    onMissing(err)
    for (const connection of this.components.libp2p.getConnections(peerId)) connection.abort(err)
  }

  /**
   * Probes every open connection to the relay until `signal` aborts (on one
   * ping stream per connection, see relay-probe.ts); closes
   * one that leaves `heartbeat.misses` probes in a row unanswered (the relay
   * keeper then sees it gone and dials again). The first probe waits
   * `intervalMs`: a new connection has just answered, and kad-dht pings a new
   * relay right after identify to admit it to its routing table; that ping
   * must not fail, or the relay stays out of the table and DHT lookups find
   * nobody (the ping service takes a few streams per connection for this, see
   * services.ts; the wait keeps the probe out of that moment altogether).
   */
  private async probeWhileOpen (peerId: PeerId, signal: AbortSignal, onSilent: (err: RelayUnresponsiveError) => void): Promise<void> {
    const { intervalMs, timeoutMs, misses } = this.heartbeat
    /** Unanswered probes in a row, by connection id. */
    const missed = new Map<string, number>()
    const probes = new RelayProbes()
    signal.addEventListener('abort', () => { probes.keepOnly([]) }, { once: true })
    let again = false
    while (!signal.aborted) {
      if (!again) {
        try {
          await sleep(intervalMs, { signal })
        } catch {
          return
        }
      }
      again = false
      const connections = this.components.libp2p.getConnections(peerId).filter(c => c.status === 'open' && c.limits == null)
      probes.keepOnly(connections.map(c => c.id))
      const answers = await Promise.all(connections.map(async c => probes.probe(c, timeoutMs, signal)))
      if (signal.aborted) return
      connections.forEach((connection, i) => {
        if (answers[i] === true) {
          missed.delete(connection.id)
          return
        }
        const count = (missed.get(connection.id) ?? 0) + 1
        missed.set(connection.id, count)
        if (count < misses) {
          // probe it again at once
          again = true
          return
        }
        const err = new RelayUnresponsiveError(`the relay did not answer ${count} probes in a row (${timeoutMs} ms each)`)
        log('closing the connection to relay %p via %a: %s', peerId, connection.remoteAddr, err.message)
        onSilent(err)
        connection.abort(err)
      })
    }
  }

  private checkReservations (): void {
    const addrs = this.components.libp2p.getMultiaddrs().map(ma => ma.toString())
    for (const status of this.statuses) {
      if (status.state !== 'connected' || status.peerId == null) continue
      if (addrs.some(a => a.includes(`/p2p/${status.peerId}/p2p-circuit`))) {
        this.update(status, { state: 'reserved' }, 'relay:reserved')
      }
    }
  }

  private update (status: RelayStatus, changes: Partial<RelayStatus>, event?: keyof RelayKeeperEvents): void {
    Object.assign(status, changes)
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete status[key as keyof RelayStatus]
    }
    if (event != null) {
      this.safeDispatchEvent(event, { detail: this.snapshot(status) })
    }
  }
}
