import { describe, expect, it } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { describeConnection } from '../src/connectivity/connection-info.js'
import { readConnectionStats } from '../src/connectivity/connection-stats.js'
import { selectedIceRoute } from '../src/connectivity/ice-route.js'
import type { Connection } from '@libp2p/interface'

/** A getStats() result as Chromium reports it: a Map of stats objects by id. */
function stats (...entries: Array<Record<string, unknown>>): Pick<RTCPeerConnection, 'getStats'> {
  const report = new Map(entries.map(e => [String(e.id), e]))
  return { getStats: async () => report as unknown as RTCStatsReport }
}

const candidates = (local: string, remote: string): Array<Record<string, unknown>> => [
  { id: 'L', type: 'local-candidate', candidateType: local },
  { id: 'R', type: 'remote-candidate', candidateType: remote }
]

describe('selectedIceRoute', () => {
  it('reads the transport\'s selected pair: server-reflexive on both sides is direct', async () => {
    const route = await selectedIceRoute(stats(
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true },
      ...candidates('srflx', 'srflx')))
    expect(route).toEqual({ local: 'srflx', remote: 'srflx', path: 'direct' })
  })

  it('calls a pair with a relay candidate on either side TURN', async () => {
    for (const [local, remote] of [['relay', 'srflx'], ['host', 'relay'], ['relay', 'relay']]) {
      const route = await selectedIceRoute(stats(
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
        { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R' },
        ...candidates(local!, remote!)))
      expect(route?.path).toBe('turn')
    }
  })

  it('falls back to the nominated, succeeded pair when the transport names none', async () => {
    const route = await selectedIceRoute(stats(
      { id: 'X', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'in-progress', nominated: false },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true },
      ...candidates('host', 'prflx')))
    expect(route).toEqual({ local: 'host', remote: 'prflx', path: 'direct' })
  })

  it('knows nothing before ICE selects a pair, with unknown candidate types, or when getStats fails', async () => {
    expect(await selectedIceRoute(stats({ id: 'T', type: 'transport' }, ...candidates('host', 'host')))).toBeUndefined()
    expect(await selectedIceRoute(stats(
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R' },
      ...candidates('mystery', 'host')))).toBeUndefined()
    expect(await selectedIceRoute({ getStats: async () => { throw new Error('closed') } })).toBeUndefined()
  })
})

describe('describeConnection', () => {
  const conn = (addr: string, limits?: Connection['limits']): Connection => ({
    id: 'c1',
    remotePeer: { toString: () => 'peer' },
    remoteAddr: multiaddr(addr),
    limits,
    direction: 'outbound'
  }) as unknown as Connection

  it('names the path: relayed for a limited circuit, TURN or direct from the ICE route, direct before one is known', () => {
    const webrtc = '/ip4/198.51.100.21/tcp/9001/wss/p2p/12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9NjACJTmWAPTN/p2p-circuit/webrtc'
    expect(describeConnection(conn(webrtc)).path).toBe('direct')
    expect(describeConnection(conn(webrtc), { local: 'relay', remote: 'srflx', path: 'turn' })).toMatchObject({ path: 'turn', candidates: 'relay → srflx', transport: 'webrtc', direct: true })
    expect(describeConnection(conn(webrtc), { local: 'srflx', remote: 'srflx', path: 'direct' }).path).toBe('direct')
    const circuit = '/ip4/198.51.100.21/tcp/9001/wss/p2p/12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9NjACJTmWAPTN/p2p-circuit'
    expect(describeConnection(conn(circuit, { bytes: 1024n, seconds: 60 }))).toMatchObject({ path: 'relayed', direct: false, transport: 'circuit-relay' })
  })

  it('copies what a relayed connection may still carry, and gives an unlimited one no limits', () => {
    const circuit = '/ip4/198.51.100.21/tcp/9001/wss/p2p/12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9NjACJTmWAPTN/p2p-circuit'
    expect(describeConnection(conn(circuit, { bytes: 131072n, seconds: 118 })).limits).toEqual({ bytes: 131072, seconds: 118 })
    expect(describeConnection(conn(circuit, { seconds: -2 })).limits).toEqual({ seconds: 0 })
    expect(describeConnection(conn('/ip4/198.51.100.21/tcp/9001/ws')).limits).toBeUndefined()
  })
})

describe('readConnectionStats', () => {
  it('reads the selected pair\'s bytes and round-trip time (s → ms)', async () => {
    const read = await readConnectionStats(stats(
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
      { id: 'X', type: 'candidate-pair', bytesSent: 1, bytesReceived: 1, currentRoundTripTime: 9 },
      { id: 'P', type: 'candidate-pair', bytesSent: 5000, bytesReceived: 70000, currentRoundTripTime: 0.012 }), () => 42)
    expect(read).toEqual({ bytesSent: 5000, bytesReceived: 70000, rttMs: 12, at: 42 })
  })

  it('falls back to the nominated, succeeded pair, and leaves out a round-trip time not measured', async () => {
    const read = await readConnectionStats(stats(
      { id: 'P', type: 'candidate-pair', state: 'succeeded', nominated: true, bytesSent: 10, bytesReceived: 20 }), () => 1)
    expect(read).toEqual({ bytesSent: 10, bytesReceived: 20, at: 1 })
  })

  it('knows nothing before ICE selects a pair, or when getStats fails', async () => {
    expect(await readConnectionStats(stats({ id: 'T', type: 'transport' }))).toBeUndefined()
    expect(await readConnectionStats({ getStats: async () => { throw new Error('closed') } })).toBeUndefined()
  })
})
