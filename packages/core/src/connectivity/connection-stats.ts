import { selectedPair, type StatsSource } from './ice-route.js'

/**
 * Counters of one WebRTC connection, from its RTCPeerConnection's stats: the
 * selected ICE candidate pair's bytes (both directions) and round-trip time.
 * Two readings a moment apart give the connection's current throughput.
 */
export interface ConnectionStats {
  /** Bytes sent over the selected candidate pair since it was selected. */
  bytesSent: number
  bytesReceived: number
  /** The pair's current round-trip time in ms (STUN consent checks), when the browser measured one. */
  rttMs?: number
  /** Epoch ms of the reading. */
  at: number
}

/**
 * Reads the counters of the selected candidate pair of `pc` (the transport's
 * `selectedCandidatePairId`, or the nominated, succeeded pair); undefined
 * while none is selected or when the stats are not available.
 */
export async function readConnectionStats (pc: Pick<StatsSource, 'getStats'>, now: () => number = Date.now): Promise<ConnectionStats | undefined> {
  const pair = (await selectedPair(pc))?.pair
  if (pair == null) return undefined
  const rtt = pair.currentRoundTripTime
  return {
    bytesSent: numberOr0(pair.bytesSent),
    bytesReceived: numberOr0(pair.bytesReceived),
    ...(typeof rtt === 'number' && Number.isFinite(rtt) ? { rttMs: rtt * 1000 } : {}),
    at: now()
  }
}

function numberOr0 (value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}
