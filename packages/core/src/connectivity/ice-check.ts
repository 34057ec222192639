import { logger } from '@libp2p/logger'
import { turnUsernameExpiry, type IceServerEntry, type RelayIceServerError } from '../config/ice-servers.js'
import type { AbortOptions } from '@libp2p/interface'

/**
 * Checks ICE servers from inside the browser, the way WebRTC itself will use
 * them: one `RTCPeerConnection` with exactly the servers to check
 * (`iceTransportPolicy: 'all'`), a data channel, an offer set as the local
 * description, and its candidates gathered until gathering completes or the
 * check times out. Each server URL ends in one state:
 *
 * - `ok`: a STUN server answered (a server-reflexive candidate from it, or
 *   gathering completed with no error from it: on a network without NAT the
 *   server-reflexive candidate equals a host one and the browser drops it);
 *   a TURN server allocated a relay candidate;
 * - `unreachable`: the browser reported error 701 (no answer, connection
 *   failed), or nothing was heard from it before the timeout;
 * - `credentials-refused`: the TURN server answered 401 or 403 (expired
 *   credentials, or a secret other than the relay's);
 * - `expired`: the TURN username's `<expiry>:` prefix is already past by this
 *   clock (nothing is contacted: the relay's clock or ours is wrong);
 * - `failed`: any other STUN/TURN error (quota reached, bad request…);
 * - `malformed`: an entry of `/relay.json` that was left out (see
 *   `parseRelayIceServers`), passed through with its reason;
 * - `unchecked`: there is no `RTCPeerConnection` here (Node), or the servers
 *   are not used (the user's own ICE servers win);
 * - `checking`: a check is under way.
 *
 * Results name server URLs only: credentials are never logged nor put in a result.
 */

const log = logger('peerlink:ice-check')

/**
 * How long a check waits for gathering to complete, ms. Chromium gives up on
 * an unanswered STUN binding or TURN allocation after 39.75 s (measured: 40 s
 * on loopback); waiting a little longer lets it say so (error 701) rather than
 * leaving a server that answered but gave no new candidate undecided.
 */
export const ICE_CHECK_TIMEOUT_MS = 45_000

/** Data channel label of a check's RTCPeerConnection (so tests and tools can tell it from libp2p's). */
export const ICE_CHECK_CHANNEL = 'peerlink-ice-check'

export type IceServerFault = 'unreachable' | 'credentials-refused' | 'expired' | 'failed' | 'malformed'
export type IceServerState = 'checking' | 'ok' | 'unchecked' | IceServerFault

/** The outcome of checking one ICE server URL. */
export interface IceServerCheck {
  /** The server URL as advertised (never with credentials). */
  url: string
  state: IceServerState
  /** The browser's error code (401, 701…), when it reported one. */
  errorCode?: number
  /** In words: the browser's error text, or why there is no answer or no check. Never a credential. */
  detail?: string
}

/** The state of one ICE server a relay advertised, as `Peerlink.iceServerStatus()` gives it. */
export interface IceServerStatus {
  /** The `/relay.json` URL of the relay that advertised it. */
  relay: string
  /** The server URL; absent for a malformed entry (its `detail` says which entry and why). */
  url?: string
  state: IceServerState
  errorCode?: number
  detail?: string
  /** Epoch ms the state was found. */
  at: number
}

/** The RTCPeerConnection constructor a check uses (injected; absent in Node). */
export type PeerConnectionConstructor = new (config?: RTCConfiguration) => RTCPeerConnection

export interface IceCheckOptions extends AbortOptions {
  /** Default: `globalThis.RTCPeerConnection`; without one every URL is `unchecked`. */
  RTCPeerConnection?: PeerConnectionConstructor
  /** Longest wait for gathering to complete, ms (default {@link ICE_CHECK_TIMEOUT_MS}). */
  timeoutMs?: number
  /** Epoch ms to judge credential expiry by (default: now). */
  now?: number
}

/** A candidate or an error the browser reported while gathering, reduced to what a check needs. */
export interface IceObservation {
  /** The STUN/TURN URL the browser names (`RTCIceCandidate.url`, the error's `url`). */
  url?: string | null
  /** Candidate type (`srflx`, `relay`, `host`…); absent for an error. */
  type?: string | null
  /** Error code of an `icecandidateerror`. */
  errorCode?: number
  errorText?: string
}

const ICE_URL = /^(stuns?|turns?):(\[[0-9a-fA-F:.]+\]|[^:?[\]]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i

/**
 * A key that identifies an ICE server URL the way the browser reports it back:
 * lower-case scheme and host, the default port (3478, 5349 for `stuns:`/`turns:`)
 * and, for TURN, the default transport (`udp`, `tcp` for `turns:`) made explicit.
 * Chromium names `turn:h` as `turn:h:3478?transport=udp`. Undefined for anything else.
 */
export function iceUrlKey (url: string | null | undefined): string | undefined {
  const match = url != null ? ICE_URL.exec(url) : null
  if (match == null) return undefined
  const scheme = match[1]!.toLowerCase()
  const secure = scheme.endsWith('s')
  const port = match[3] ?? (secure ? '5349' : '3478')
  const host = match[2]!.toLowerCase()
  if (scheme.startsWith('stun')) return `${scheme}:${host}:${port}`
  const transport = match[4]?.toLowerCase() ?? (secure ? 'tcp' : 'udp')
  return `${scheme}:${host}:${port}?transport=${transport}`
}

/** The state a STUN/TURN error code means: 401/403 credentials refused, 701 unreachable, anything else failed. */
export function iceErrorState (errorCode: number): 'unreachable' | 'credentials-refused' | 'failed' {
  if (errorCode === 401 || errorCode === 403) return 'credentials-refused'
  if (errorCode === 701) return 'unreachable'
  return 'failed'
}

/** True when `entry` has a shared-secret TURN username whose `<expiry>:` prefix is at or before `now` (epoch ms). */
export function credentialExpired (entry: IceServerEntry, now: number = Date.now()): boolean {
  const expiry = turnUsernameExpiry(entry.username)
  return expiry != null && expiry * 1000 <= now
}

/**
 * The state of `url` from what the browser reported while gathering.
 *
 * @param ended - `complete` when gathering completed, `timeout` when the check gave up first
 */
export function iceCheckOutcome (url: string, observations: IceObservation[], ended: 'complete' | 'timeout', timeoutMs: number = ICE_CHECK_TIMEOUT_MS): IceServerCheck {
  const key = iceUrlKey(url)
  const turn = url.toLowerCase().startsWith('turn')
  const mine = observations.filter(o => key != null && iceUrlKey(o.url) === key)
  if (mine.some(o => o.type === (turn ? 'relay' : 'srflx'))) return { url, state: 'ok' }
  const errors = mine.filter(o => o.errorCode != null)
  // an answer with an error says more than a timeout (701) seen on another attempt
  const error = errors.find(o => o.errorCode !== 701) ?? errors[0]
  if (error?.errorCode != null) {
    const text = error.errorText?.trim()
    return { url, state: iceErrorState(error.errorCode), errorCode: error.errorCode, detail: `${error.errorCode}${text != null && text !== '' ? ` ${text}` : ''}` }
  }
  if (ended === 'timeout') return { url, state: 'unreachable', detail: `no answer within ${Math.round(timeoutMs / 1000)} s` }
  // gathering completed: a STUN server that answered with our host address gives no new candidate
  if (!turn) return { url, state: 'ok' }
  return { url, state: 'unreachable', detail: 'no relay candidate' }
}

/** One status per malformed `/relay.json` ICE entry of `relay`. */
export function malformedIceStatuses (relay: string, errors: RelayIceServerError[], at: number = Date.now()): IceServerStatus[] {
  return errors.map(err => ({ relay, state: 'malformed', detail: err.message, at }))
}

/**
 * Checks every URL of `servers` (see the module comment). TURN entries whose
 * credentials already expired by `options.now` are `expired` without any
 * contact; without an `RTCPeerConnection` everything is `unchecked`.
 * Resolves (never rejects) once gathering completed or timed out; rejects
 * only if `options.signal` aborts.
 */
export async function checkIceServers (servers: IceServerEntry[], options: IceCheckOptions = {}): Promise<IceServerCheck[]> {
  const now = options.now ?? Date.now()
  const timeoutMs = options.timeoutMs ?? ICE_CHECK_TIMEOUT_MS
  const Pc = options.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: PeerConnectionConstructor }).RTCPeerConnection
  const results = new Map<string, IceServerCheck>()
  const live: IceServerEntry[] = []
  for (const entry of servers) {
    if (credentialExpired(entry, now)) {
      const expiry = turnUsernameExpiry(entry.username) ?? 0
      for (const url of entry.urls) results.set(url, { url, state: 'expired', detail: `already at ${new Date(expiry * 1000).toISOString()} by this device's clock: the relay's clock or this one is wrong` })
    } else if (Pc == null) {
      for (const url of entry.urls) results.set(url, { url, state: 'unchecked', detail: 'no WebRTC here' })
    } else {
      live.push(entry)
    }
  }
  const urls = servers.flatMap(entry => entry.urls)
  if (live.length > 0 && Pc != null) {
    let gathered: Awaited<ReturnType<typeof gather>> | undefined
    let failure: string | undefined
    try {
      gathered = await gather(Pc, live, timeoutMs, options.signal)
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      // the browser refused the configuration itself (its message names URLs, not credentials)
      failure = err instanceof Error ? `${err.name}: ${err.message}` : 'the browser refused the configuration'
    }
    for (const url of live.flatMap(entry => entry.urls)) {
      const result: IceServerCheck = gathered != null ? iceCheckOutcome(url, gathered.observations, gathered.ended, timeoutMs) : { url, state: 'failed', detail: failure }
      results.set(url, result)
      log('%s: %s%s', url, result.state, result.detail != null ? ` (${result.detail})` : '')
    }
  }
  return [...new Set(urls)].map(url => results.get(url) ?? { url, state: 'unchecked' })
}

/** Gathers candidates of one RTCPeerConnection with `iceServers` until gathering completes, `timeoutMs` passes or `signal` aborts. */
async function gather (Pc: PeerConnectionConstructor, iceServers: IceServerEntry[], timeoutMs: number, signal?: AbortSignal): Promise<{ observations: IceObservation[], ended: 'complete' | 'timeout' }> {
  signal?.throwIfAborted()
  const observations: IceObservation[] = []
  const pc = new Pc({ iceServers: iceServers.map(s => ({ ...s, urls: [...s.urls] })), iceTransportPolicy: 'all' })
  let settle: (ended: 'complete' | 'timeout' | 'aborted') => void = () => {}
  const ended = new Promise<'complete' | 'timeout' | 'aborted'>(resolve => { settle = resolve })
  const timer = setTimeout(() => { settle('timeout') }, timeoutMs)
  const onAbort = (): void => { settle('aborted') }
  signal?.addEventListener('abort', onAbort)
  pc.addEventListener('icecandidate', (evt: RTCPeerConnectionIceEvent) => {
    const candidate = evt.candidate
    // RTCIceCandidate.url is newer than the event's (deprecated) url; either names the server
    if (candidate != null) observations.push({ type: candidate.type, url: (candidate as { url?: string | null }).url ?? (evt as { url?: string | null }).url })
    else settle('complete')
  })
  pc.addEventListener('icecandidateerror', (evt: Event) => {
    const { url, errorCode, errorText } = evt as RTCPeerConnectionIceErrorEvent
    observations.push({ url, errorCode, errorText })
  })
  pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') settle('complete') })
  try {
    pc.createDataChannel(ICE_CHECK_CHANNEL)
    await pc.setLocalDescription(await pc.createOffer())
    const result = await ended
    if (result === 'aborted') throw signal?.reason ?? new Error('ICE check aborted')
    return { observations, ended: result }
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
    pc.close()
  }
}
