import type { Connection } from '@libp2p/interface'

/**
 * How a connection's bytes travel between two peers, in the three cases a user
 * can tell apart:
 * - `direct`: straight between the two (a WebRTC host or server-reflexive
 *   candidate pair, or a transport that is end to end by nature);
 * - `turn`: WebRTC whose selected ICE candidate pair has a relay candidate on
 *   either side, so a TURN server forwards the (encrypted) packets;
 * - `relayed`: a limited circuit through a Peerlink relay (circuit relay v2).
 */
export type ConnectionPath = 'direct' | 'turn' | 'relayed'

/** One side of the ICE candidate pair a WebRTC connection uses. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay'

/** The selected ICE candidate pair of a WebRTC connection. */
export interface IceRoute {
  local: CandidateType
  remote: CandidateType
  /** `turn` when either candidate is a relay one, else `direct`. */
  path: 'direct' | 'turn'
}

/** What this module needs of an RTCPeerConnection. */
export type StatsSource = Pick<RTCPeerConnection, 'getStats' | 'addEventListener' | 'removeEventListener' | 'connectionState'>

const CANDIDATE_TYPES = new Set<string>(['host', 'srflx', 'prflx', 'relay'])

/**
 * The RTCPeerConnection under a libp2p WebRTC connection, if it has one.
 *
 * `@libp2p/webrtc` keeps it as `peerConnection` on the connection's multiaddr
 * connection (`maConn`), which libp2p's `Connection` holds as a field; neither
 * is part of `@libp2p/interface`, so both are read defensively. The NAT lab
 * tests compare what this reads with the page's own `getStats`.
 */
export function peerConnectionOf (connection: Connection): StatsSource | undefined {
  const maConn = (connection as unknown as { maConn?: { peerConnection?: unknown } }).maConn
  const pc = maConn?.peerConnection as Partial<StatsSource> | undefined
  return typeof pc?.getStats === 'function' && typeof pc.addEventListener === 'function' ? pc as StatsSource : undefined
}

/** A stats report's entries by id, and the selected candidate pair among them. */
export interface SelectedPair {
  pair: Record<string, unknown>
  byId: Map<string, Record<string, unknown>>
}

/**
 * The selected candidate pair of `pc`, from its stats: the transport's
 * `selectedCandidatePairId`, or else the nominated, succeeded pair. Undefined
 * while ICE has not selected one (or when the stats are not available).
 */
export async function selectedPair (pc: Pick<RTCPeerConnection, 'getStats'>): Promise<SelectedPair | undefined> {
  let stats: RTCStatsReport
  try {
    stats = await pc.getStats()
  } catch {
    return undefined
  }
  const byId = new Map<string, Record<string, unknown>>()
  stats.forEach((s: Record<string, unknown>) => { byId.set(String(s.id), s) })
  let pair: Record<string, unknown> | undefined
  for (const s of byId.values()) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pair = byId.get(s.selectedCandidatePairId)
  }
  pair ??= [...byId.values()].find(s => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded')
  return pair == null ? undefined : { pair, byId }
}

/** The ICE route of `pc`'s selected candidate pair (see {@link selectedPair}). */
export async function selectedIceRoute (pc: Pick<RTCPeerConnection, 'getStats'>): Promise<IceRoute | undefined> {
  const selected = await selectedPair(pc)
  if (selected == null) return undefined
  const { pair, byId } = selected
  const local = byId.get(String(pair.localCandidateId))?.candidateType
  const remote = byId.get(String(pair.remoteCandidateId))?.candidateType
  if (typeof local !== 'string' || typeof remote !== 'string' || !CANDIDATE_TYPES.has(local) || !CANDIDATE_TYPES.has(remote)) return undefined
  return {
    local: local as CandidateType,
    remote: remote as CandidateType,
    path: local === 'relay' || remote === 'relay' ? 'turn' : 'direct'
  }
}

/**
 * Calls `onChange` whenever ICE may have chosen another candidate pair for
 * `pc` (its ICE connection state changed, or the ICE transport reports a new
 * selected pair where the browser supports that event). Returns the function
 * that stops watching.
 */
export function watchIceRoute (pc: StatsSource, onChange: () => void): () => void {
  const iceTransport = (pc as { sctp?: { transport?: { iceTransport?: EventTarget } } | null }).sctp?.transport?.iceTransport
  pc.addEventListener('iceconnectionstatechange', onChange)
  iceTransport?.addEventListener('selectedcandidatepairchange', onChange)
  return () => {
    pc.removeEventListener('iceconnectionstatechange', onChange)
    iceTransport?.removeEventListener('selectedcandidatepairchange', onChange)
  }
}
