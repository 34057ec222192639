import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { fetchRelayInfo, type ParsedRelayInfo } from '../config/relay-info.js'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
import { backoffDelay, sleep, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js'
import { bestConnection, transportOf, type TransportName } from './connection-info.js'
import type { RelayEntry } from '../config/relays.js'
import type { AbortOptions, Libp2p, PeerId, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('peerlink:relays')

/** Tag that keeps the connection manager from pruning relay connections. */
const RELAY_TAG = 'peerlink-relay'

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
  /** Called with each relay info document fetched (its ICE servers, see RelayIceServers). */
  onInfo?: (url: string, info: ParsedRelayInfo) => void
}

/**
 * Keeps a connection open to every configured relay: resolves info URLs,
 * dials, and reconnects with exponential backoff when a relay goes away.
 * Reservations themselves are made by the circuit relay transport; the keeper
 * reports them.
 */
export class RelayKeeper extends TypedEventEmitter<RelayKeeperEvents> implements Startable {
  private readonly statuses: RelayStatus[]
  private controller?: AbortController
  private readonly backoff: BackoffOptions
  private readonly dialTimeoutMs: number
  private readonly onSelfUpdate = (): void => { this.checkReservations() }

  constructor (private readonly components: RelayKeeperComponents, private readonly init: RelayKeeperInit) {
    super()
    this.statuses = init.relays.map(entry => ({
      input: entry.input,
      state: 'connecting',
      ...(entry.kind === 'multiaddr' ? { peerId: entry.peerId } : {})
    }))
    this.backoff = init.backoff ?? DEFAULT_BACKOFF
    this.dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  start (): void {
    this.controller = new AbortController()
    this.components.libp2p.addEventListener('self:peer:update', this.onSelfUpdate)
    this.init.relays.forEach((entry, i) => {
      void this.keep(entry, this.statuses[i]!, this.controller!.signal)
    })
  }

  stop (): void {
    this.controller?.abort(new Error('relay keeper stopped'))
    this.components.libp2p.removeEventListener('self:peer:update', this.onSelfUpdate)
  }

  /** A snapshot of every configured relay's state. */
  list (): RelayStatus[] {
    return this.statuses.map(s => ({ ...s }))
  }

  /** True when the peer is one of the configured relays. */
  isRelay (peerId: string): boolean {
    return this.statuses.some(s => s.peerId === peerId)
  }

  private async keep (entry: RelayEntry, status: RelayStatus, signal: AbortSignal): Promise<void> {
    let attempt = 0
    while (!signal.aborted) {
      let delay: number
      try {
        const peerId = await this.connect(entry, status, signal)
        attempt = 0
        await this.untilDisconnected(peerId, signal)
        delay = backoffDelay(attempt++, this.backoff)
        this.update(status, { state: 'disconnected', transport: undefined, remoteAddr: undefined, retryAt: Date.now() + delay }, 'relay:lost')
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

  private async untilDisconnected (peerId: PeerId, signal: AbortSignal): Promise<void> {
    const libp2p = this.components.libp2p
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
      this.safeDispatchEvent(event, { detail: { ...status } })
    }
  }
}
