import { afterEach, describe, expect, it, vi } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerTracker, ROUTE_REREAD_MS, type PeerStatus } from '../src/connectivity/peer-tracker.js'
import type { Connection } from '@libp2p/interface'

const WEBRTC = '/ip4/198.51.100.21/tcp/9001/wss/p2p/12D3KooWHFrmLWTTDD4NodngtRMEVYgxrsDMp4F9NjACJTmWAPTN/p2p-circuit/webrtc'

/** An RTCPeerConnection whose selected pair's remote candidate type the test sets, as Chromium's getStats reports it. */
function peerConnection (remote: string): { pc: EventTarget & { getStats: () => Promise<RTCStatsReport>, connectionState: string }, setRemote: (type: string) => void } {
  const candidate = { id: 'R', type: 'remote-candidate', candidateType: remote }
  const report = new Map<string, Record<string, unknown>>([
    ['T', { id: 'T', type: 'transport', selectedCandidatePairId: 'P' }],
    ['P', { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true }],
    ['L', { id: 'L', type: 'local-candidate', candidateType: 'relay' }],
    ['R', candidate]
  ])
  const pc = Object.assign(new EventTarget(), { connectionState: 'connected', getStats: async () => report as unknown as RTCStatsReport })
  return { pc, setRemote: (type) => { candidate.candidateType = type } }
}

/** A libp2p node with one WebRTC connection to `peer` over `pc`. */
function node (pc: unknown): { libp2p: ConstructorParameters<typeof PeerTracker>[0]['libp2p'], open: () => void, close: () => void } {
  const events = new EventTarget()
  const conn = { id: 'c1', remotePeer: { toString: () => 'peer' }, remoteAddr: multiaddr(WEBRTC), status: 'open', direction: 'outbound', maConn: { peerConnection: pc } } as unknown as Connection
  let open: Connection[] = []
  return {
    libp2p: {
      getConnections: () => open,
      addEventListener: events.addEventListener.bind(events),
      removeEventListener: events.removeEventListener.bind(events)
    } as unknown as ConstructorParameters<typeof PeerTracker>[0]['libp2p'],
    open: () => { open = [conn]; events.dispatchEvent(new CustomEvent('connection:open', { detail: conn })) },
    close: () => { open = []; events.dispatchEvent(new CustomEvent('connection:close', { detail: conn })) }
  }
}

describe('PeerTracker', () => {
  afterEach(() => { vi.useRealTimers() })

  it('reads the selected pair again every few seconds, so a change the browser does not announce is seen', async () => {
    vi.useFakeTimers()
    const { pc, setRemote } = peerConnection('prflx')
    const { libp2p, open } = node(pc)
    const tracker = new PeerTracker({ libp2p }, () => false)
    const seen: Array<string | undefined> = []
    tracker.addEventListener('peer:connected', (evt: CustomEvent<PeerStatus>) => { seen.push(evt.detail.connection.candidates) })
    tracker.start()
    open()
    await vi.advanceTimersByTimeAsync(0)
    expect(seen.at(-1)).toBe('relay → prflx')
    // the peer's relay candidate arrives: the browser changes the remote candidate's type in place, with no event
    setRemote('relay')
    await vi.advanceTimersByTimeAsync(ROUTE_REREAD_MS)
    expect(seen.at(-1)).toBe('relay → relay')
    expect(tracker.list()[0]?.connection).toMatchObject({ candidates: 'relay → relay', path: 'turn' })
    // ICE moves to a pair from our reflexive candidate, without an event either
    setRemote('srflx')
    await vi.advanceTimersByTimeAsync(ROUTE_REREAD_MS)
    // (the first status comes at the connection's opening, before its pair is read)
    expect(seen).toEqual([undefined, 'relay → prflx', 'relay → relay', 'relay → srflx'])
    tracker.stop()
  })

  it('stops reading when the connection closes, or the tracker stops', async () => {
    vi.useFakeTimers()
    const { pc } = peerConnection('srflx')
    const getStats = vi.spyOn(pc, 'getStats')
    const { libp2p, open, close } = node(pc)
    const tracker = new PeerTracker({ libp2p }, () => false)
    tracker.start()
    open()
    await vi.advanceTimersByTimeAsync(3 * ROUTE_REREAD_MS)
    expect(getStats.mock.calls.length).toBe(4) // the first read, then one per interval
    close()
    await vi.advanceTimersByTimeAsync(3 * ROUTE_REREAD_MS)
    expect(getStats.mock.calls.length).toBe(4)

    open()
    await vi.advanceTimersByTimeAsync(0)
    const reads = getStats.mock.calls.length
    tracker.stop()
    await vi.advanceTimersByTimeAsync(3 * ROUTE_REREAD_MS)
    expect(getStats.mock.calls.length).toBe(reads)
  })

  it('reads the pair at once when the browser says it changed', async () => {
    vi.useFakeTimers()
    const { pc, setRemote } = peerConnection('srflx')
    const { libp2p, open } = node(pc)
    const tracker = new PeerTracker({ libp2p }, () => false)
    tracker.start()
    open()
    await vi.advanceTimersByTimeAsync(0)
    setRemote('relay')
    pc.dispatchEvent(new Event('iceconnectionstatechange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(tracker.list()[0]?.connection.candidates).toBe('relay → relay')
    tracker.stop()
  })
})
