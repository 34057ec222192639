import { afterEach, describe, expect, it, vi } from 'vitest'
import { multiaddr } from '@multiformats/multiaddr'
import { PeerTracker, type PeerStatus } from '../src/connectivity/peer-tracker.js'
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

  it('reads a peer-reflexive end of the selected pair again, so a TURN candidate that arrives late is named', async () => {
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
    await vi.advanceTimersByTimeAsync(1000)
    expect(seen.at(-1)).toBe('relay → relay')
    expect(tracker.list()[0]?.connection).toMatchObject({ candidates: 'relay → relay', path: 'turn' })
    tracker.stop()
  })

  it('stops reading again after a few tries, and at once when the connection closes', async () => {
    vi.useFakeTimers()
    const { pc } = peerConnection('prflx')
    const getStats = vi.spyOn(pc, 'getStats')
    const { libp2p, open } = node(pc)
    const tracker = new PeerTracker({ libp2p }, () => false)
    tracker.start()
    open()
    await vi.advanceTimersByTimeAsync(60_000)
    const reads = getStats.mock.calls.length
    expect(reads).toBe(6) // the first read and five more, at 1, 2, 4, 8 and 16 s
    await vi.advanceTimersByTimeAsync(60_000)
    expect(getStats.mock.calls.length).toBe(reads)

    const second = peerConnection('prflx')
    const again = node(second.pc)
    const stats2 = vi.spyOn(second.pc, 'getStats')
    const tracker2 = new PeerTracker({ libp2p: again.libp2p }, () => false)
    tracker2.start()
    again.open()
    await vi.advanceTimersByTimeAsync(0)
    again.close()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(stats2.mock.calls.length).toBe(1)
    tracker.stop()
    tracker2.stop()
  })

  it('reads a host or reflexive pair once, and again when ICE says the pair changed', async () => {
    vi.useFakeTimers()
    const { pc, setRemote } = peerConnection('srflx')
    const getStats = vi.spyOn(pc, 'getStats')
    const { libp2p, open } = node(pc)
    const tracker = new PeerTracker({ libp2p }, () => false)
    tracker.start()
    open()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(getStats.mock.calls.length).toBe(1)
    setRemote('relay')
    pc.dispatchEvent(new Event('iceconnectionstatechange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(tracker.list()[0]?.connection.candidates).toBe('relay → relay')
    tracker.stop()
  })
})
