import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { fetchRelayInfo, type ParsedRelayInfo } from '../config/relay-info.js'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
import { checkIceServers, credentialExpired, malformedIceStatuses, type IceCheckOptions, type IceServerCheck, type IceServerStatus } from './ice-check.js'
import type { IceServerEntry } from '../config/ice-servers.js'
import type { AbortOptions, Startable } from '@libp2p/interface'

const log = logger('peerlink:relay-ice')

/** Fraction of a credential's lifetime after which it is fetched again. */
const REFRESH_AT = 0.5

/** Shortest wait before fetching a relay's info again after a failed refresh, ms. */
const RETRY_MS = 30_000

export interface RelayIceServersInit {
  /** The `/relay.json` URLs of the configured relays (multiaddr entries advertise nothing). */
  urls: string[]
  /** Fetches and parses one relay info document (default: {@link fetchRelayInfo}). */
  fetchInfo?: (url: string, options: AbortOptions) => Promise<ParsedRelayInfo>
  /** Timeout of one fetch. */
  timeoutMs?: number
  /**
   * Check the advertised servers from here each time they are recorded (see
   * `checkIceServers`). Default: true. Off when they are not used (the user's
   * own ICE servers win): their state is then `unchecked`.
   */
  check?: boolean
  /** Checks a relay's servers (default: {@link checkIceServers} with this runtime's RTCPeerConnection, if any). */
  checkServers?: (servers: IceServerEntry[], options: IceCheckOptions) => Promise<IceServerCheck[]>
}

export interface RelayIceEvents {
  /** A check of a relay's ICE servers finished (or there was nothing to contact): see `status()`. */
  'ice:checked': CustomEvent<IceServerStatus[]>
}

interface Advertised {
  iceServers: IceServerEntry[]
  /** Epoch ms after which the credentials are refreshed (Infinity: they do not expire). */
  refreshAt: number
  /** Epoch ms at which the credentials expire (Infinity: no TURN credentials). */
  expiresAt: number
}

/**
 * The ICE servers the configured relays advertise in `/relay.json` (STUN, and
 * TURN with short-lived credentials). They are taken from each document the
 * relay keeper fetches ({@link record}), fetched again before their
 * credentials expire (at half their lifetime, by this clock: the relay's
 * clock may differ), and dropped once expired. With no relay advertising
 * any, the list is empty: no third-party server is contacted.
 *
 * Each time a relay's servers are recorded (first fetch, refresh, reconnect)
 * they are checked from here ({@link checkIceServers}); {@link status} gives
 * every advertised server's state with the relay that advertised it,
 * malformed entries included, and `ice:checked` says when it changed.
 *
 * Credentials are never logged nor put in a status or event.
 */
export class RelayIceServers extends TypedEventEmitter<RelayIceEvents> implements Startable {
  private readonly urls: string[]
  private readonly fetchInfo: (url: string, options: AbortOptions) => Promise<ParsedRelayInfo>
  private readonly timeoutMs: number
  private readonly advertised = new Map<string, Advertised>()
  private readonly pending = new Map<string, Promise<void>>()
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  private readonly check: boolean
  private readonly checkServers: (servers: IceServerEntry[], options: IceCheckOptions) => Promise<IceServerCheck[]>
  /** The last known state of each relay's servers, by relay URL. */
  private readonly statuses = new Map<string, IceServerStatus[]>()
  /** The check under way for each relay URL (a newer record aborts it). */
  private readonly checks = new Map<string, AbortController>()
  private controller = new AbortController()
  private started = false

  constructor (init: RelayIceServersInit) {
    super()
    this.urls = [...new Set(init.urls)]
    this.fetchInfo = init.fetchInfo ?? fetchRelayInfo
    this.timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.check = init.check ?? true
    this.checkServers = init.checkServers ?? checkIceServers
  }

  start (): void {
    this.controller = new AbortController()
    this.started = true
  }

  stop (): void {
    this.started = false
    this.controller.abort(new Error('relay ICE servers stopped'))
    for (const check of this.checks.values()) check.abort(new Error('relay ICE servers stopped'))
    this.checks.clear()
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
  }

  /** Takes the ICE servers of a relay info document fetched from `url` at `fetchedAt` (epoch ms). */
  record (url: string, info: ParsedRelayInfo, fetchedAt: number = Date.now()): void {
    if (!this.urls.includes(url)) return
    for (const err of info.iceErrors) log.error('%s: %s: %s', url, err.name, err.message)
    const ttl = info.iceServersTtl
    const hasCredentials = info.iceServers.some(s => s.credential != null)
    const expiresAt = ttl != null && hasCredentials ? fetchedAt + ttl * 1000 : Infinity
    const refreshAt = ttl != null && hasCredentials ? fetchedAt + ttl * 1000 * REFRESH_AT : Infinity
    this.advertised.set(url, { iceServers: info.iceServers, refreshAt, expiresAt })
    log('%s advertises %d ICE servers (%s)', url, info.iceServers.length,
      info.iceServers.flatMap(s => s.urls).join(' ') || 'none')
    this.schedule(url, refreshAt)
    this.checkRelay(url, info, fetchedAt)
  }

  /**
   * Every advertised ICE server (URL only) with the relay that advertised it
   * and its last known state, in the order of the configured relays; a
   * malformed entry is one item. Credentials that expired since their check
   * (by `now`) say `expired`.
   */
  status (now: number = Date.now()): IceServerStatus[] {
    return this.urls.flatMap(url => (this.statuses.get(url) ?? []).map(status => {
      const advertised = this.advertised.get(url)
      const entry = status.url != null ? advertised?.iceServers.find(s => s.urls.includes(status.url!)) : undefined
      const expired = entry?.credential != null && (advertised!.expiresAt <= now || credentialExpired(entry, now))
      if (expired && status.state !== 'expired') {
        return { ...status, state: 'expired' as const, detail: 'since the check, and no fresh ones could be fetched from the relay', at: now }
      }
      return { ...status }
    }))
  }

  /**
   * The ICE servers whose credentials have not expired, now (for a call's
   * RTCPeerConnection), each server URL once: relays that share one coturn
   * all advertise it, and a browser given the same TURN server twice (with
   * two usernames) gets one allocation and waits for the other to time out
   * (40 s) before its ICE gathering completes. The first relay's entry wins.
   */
  current (now: number = Date.now()): IceServerEntry[] {
    const servers: IceServerEntry[] = []
    const seen = new Set<string>()
    for (const url of this.urls) {
      const entry = this.advertised.get(url)
      if (entry == null || entry.expiresAt <= now) continue
      for (const server of entry.iceServers) {
        const urls = server.urls.filter(u => !seen.has(u))
        for (const u of urls) seen.add(u)
        if (urls.length > 0) servers.push({ ...server, urls })
      }
    }
    return servers
  }

  /**
   * The ICE servers with fresh credentials: relays whose credentials are due
   * for refresh are fetched first (a failed fetch keeps unexpired ones).
   * Resolves with no fetch at all when no relay advertised credentials.
   */
  async get (options: AbortOptions = {}): Promise<IceServerEntry[]> {
    const now = Date.now()
    const due = this.urls.filter(url => {
      const entry = this.advertised.get(url)
      return entry != null && entry.refreshAt <= now
    })
    await Promise.all(due.map(async url => this.refresh(url, options)))
    return this.current()
  }

  /** An `RTCConfiguration` getter for `@libp2p/webrtc`'s `rtcConfiguration` option. */
  rtcConfiguration (): () => Promise<RTCConfiguration> {
    return async () => ({ iceServers: await this.get() })
  }

  /** Fetches `url` again (one fetch at a time per URL). */
  private async refresh (url: string, options: AbortOptions = {}): Promise<void> {
    let pending = this.pending.get(url)
    if (pending == null) {
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.timeoutMs), ...(options.signal != null ? [options.signal] : [])])
      pending = this.fetchInfo(url, { signal }).then(
        info => { this.record(url, info) },
        (err: unknown) => {
          log.error('could not refresh the ICE servers of %s: %e', url, err)
          // keep unexpired credentials; try again later, before they expire if possible
          const entry = this.advertised.get(url)
          if (entry != null && Number.isFinite(entry.expiresAt)) {
            const now = Date.now()
            this.schedule(url, entry.expiresAt > now + 2000 ? Math.min(entry.expiresAt - 1000, now + RETRY_MS) : now + RETRY_MS)
          }
        }
      ).finally(() => { this.pending.delete(url) })
      this.pending.set(url, pending)
    }
    await pending
  }

  /** Checks the servers `url` advertised in `info` (aborting a check of its older ones) and says so with `ice:checked`. */
  private checkRelay (url: string, info: ParsedRelayInfo, at: number): void {
    this.checks.get(url)?.abort(new Error('superseded by a newer relay info document'))
    this.checks.delete(url)
    const malformed = malformedIceStatuses(url, info.iceErrors, at)
    const servers = info.iceServers
    const set = (results: IceServerCheck[], found: number): void => {
      this.statuses.set(url, [...results.map(r => ({ relay: url, ...r, at: found })), ...malformed])
    }
    if (!this.started || !this.check || servers.length === 0) {
      const detail = !this.check ? 'your own ICE servers are used instead' : 'the peer is not running'
      set(servers.flatMap(s => s.urls).map(u => ({ url: u, state: 'unchecked', detail })), at)
      this.dispatchChecked()
      return
    }
    set(servers.flatMap(s => s.urls).map(u => ({ url: u, state: 'checking' })), at)
    const controller = new AbortController()
    this.checks.set(url, controller)
    this.checkServers(servers, { signal: AbortSignal.any([this.controller.signal, controller.signal]) }).then(results => {
      if (controller.signal.aborted) return
      this.checks.delete(url)
      set(results, Date.now())
      const faults = results.filter(r => r.state !== 'ok' && r.state !== 'unchecked')
      if (faults.length > 0) log.error('%s: ICE servers at fault: %s', url, faults.map(r => `${r.url} ${r.state}${r.detail != null ? ` (${r.detail})` : ''}`).join(', '))
      this.dispatchChecked()
    }, (err: unknown) => {
      if (controller.signal.aborted) return
      this.checks.delete(url)
      log.error('checking the ICE servers of %s: %e', url, err)
      set(servers.flatMap(s => s.urls).map(u => ({ url: u, state: 'failed', detail: 'the check itself failed' })), Date.now())
      this.dispatchChecked()
    })
  }

  private dispatchChecked (): void {
    this.safeDispatchEvent('ice:checked', { detail: this.status() })
  }

  private schedule (url: string, at: number): void {
    clearTimeout(this.timers.get(url))
    this.timers.delete(url)
    if (!this.started || !Number.isFinite(at)) return
    const timer = setTimeout(() => {
      this.timers.delete(url)
      void this.refresh(url)
    }, Math.max(1000, at - Date.now()))
    // a browser tab or a Node tool need not stay alive for this
    if (typeof timer === 'object' && 'unref' in timer) timer.unref()
    this.timers.set(url, timer)
  }
}
