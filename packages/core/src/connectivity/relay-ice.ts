import { logger } from '@libp2p/logger'
import { fetchRelayInfo, type ParsedRelayInfo } from '../config/relay-info.js'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
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
 * Credentials are never logged.
 */
export class RelayIceServers implements Startable {
  private readonly urls: string[]
  private readonly fetchInfo: (url: string, options: AbortOptions) => Promise<ParsedRelayInfo>
  private readonly timeoutMs: number
  private readonly advertised = new Map<string, Advertised>()
  private readonly pending = new Map<string, Promise<void>>()
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>()
  private controller = new AbortController()
  private started = false

  constructor (init: RelayIceServersInit) {
    this.urls = [...new Set(init.urls)]
    this.fetchInfo = init.fetchInfo ?? fetchRelayInfo
    this.timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS
  }

  start (): void {
    this.controller = new AbortController()
    this.started = true
  }

  stop (): void {
    this.started = false
    this.controller.abort(new Error('relay ICE servers stopped'))
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
  }

  /** The ICE servers whose credentials have not expired, now (for a call's RTCPeerConnection). */
  current (now: number = Date.now()): IceServerEntry[] {
    const servers: IceServerEntry[] = []
    for (const url of this.urls) {
      const entry = this.advertised.get(url)
      if (entry == null || entry.expiresAt <= now) continue
      servers.push(...entry.iceServers.map(s => ({ ...s, urls: [...s.urls] })))
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
