/**
 * Perfect negotiation between two fake peer connections that follow the
 * WebRTC signaling state machine (implicit offers/answers and the implicit
 * rollback of a polite side's offer), with signals carried asynchronously.
 */
import { describe, expect, it } from 'vitest'
import { PerfectNegotiation, type IceCandidateEvent, type NegotiatingConnection } from '../../src/calls/negotiation.js'
import type { CallSignal, IceCandidate, SessionDescription } from '../../src/calls/types.js'

class FakePeerConnection implements NegotiatingConnection {
  signalingState: RTCSignalingState = 'stable'
  localDescription: { type: RTCSdpType, sdp: string } | null = null
  remoteDescription: SessionDescription | null = null
  /** Offers this side made (each a new version). */
  version = 0
  readonly candidates: IceCandidate[] = []
  readonly applied: string[] = []
  private readonly listeners = new Map<string, Set<(evt: IceCandidateEvent) => void>>()

  constructor (readonly name: string) {}

  async setLocalDescription (): Promise<void> {
    await tick()
    if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') {
      this.localDescription = { type: 'offer', sdp: `v=0\r\ns=${this.name}-${++this.version}\r\n` }
      this.signalingState = 'have-local-offer'
    } else if (this.signalingState === 'have-remote-offer') {
      this.localDescription = { type: 'answer', sdp: `v=0\r\ns=${this.name}-answer-to-${this.remoteDescription?.sdp.split('s=')[1]?.trim() ?? ''}\r\n` }
      this.signalingState = 'stable'
    } else {
      throw new Error(`InvalidStateError: setLocalDescription in ${this.signalingState}`)
    }
  }

  async setRemoteDescription (description: SessionDescription): Promise<void> {
    await tick()
    if (description.type === 'offer') {
      if (this.signalingState === 'have-local-offer') {
        // implicit rollback of our own offer
        this.localDescription = null
        this.applied.push('rollback')
      } else if (this.signalingState !== 'stable') {
        throw new Error(`InvalidStateError: remote offer in ${this.signalingState}`)
      }
      this.signalingState = 'have-remote-offer'
    } else {
      if (this.signalingState !== 'have-local-offer') throw new Error(`InvalidStateError: remote answer in ${this.signalingState}`)
      this.signalingState = 'stable'
    }
    this.remoteDescription = description
    this.applied.push(`${description.type}:${description.sdp.split('s=')[1]?.trim() ?? ''}`)
  }

  async addIceCandidate (candidate: IceCandidate): Promise<void> {
    await tick()
    if (this.remoteDescription == null) throw new Error('InvalidStateError: no remote description')
    this.candidates.push(candidate)
  }

  addEventListener (type: string, listener: (evt: IceCandidateEvent) => void): void {
    const set = this.listeners.get(type) ?? new Set()
    set.add(listener)
    this.listeners.set(type, set)
  }

  removeEventListener (type: string, listener: (evt: IceCandidateEvent) => void): void {
    this.listeners.get(type)?.delete(listener)
  }

  /** Fires `type`; a negotiationneeded listener ignores the event, so the default stands in for one. */
  fire (type: string, evt: IceCandidateEvent = { candidate: null }): void {
    for (const listener of this.listeners.get(type) ?? []) listener(evt)
  }
}

async function tick (): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, 1))
}

/** Two connected sides; signals are delivered after a delay, in order. */
function pair (delayMs = 5) {
  const a = new FakePeerConnection('a')
  const b = new FakePeerConnection('b')
  const errors: Error[] = []
  const sent: Array<[string, CallSignal]> = []
  let delivering: Promise<void> = Promise.resolve()
  const link = (to: () => PerfectNegotiation, name: string) => (signal: CallSignal): void => {
    sent.push([name, signal])
    delivering = delivering.then(async () => {
      await new Promise(resolve => setTimeout(resolve, delayMs))
      await to().receive(signal)
    })
  }
  // a is impolite, b polite (b's PeerId sorts after a's)
  const na: PerfectNegotiation = new PerfectNegotiation(a, { polite: false, send: link(() => nb, 'a'), onError: err => errors.push(err) })
  const nb: PerfectNegotiation = new PerfectNegotiation(b, { polite: true, send: link(() => na, 'b'), onError: err => errors.push(err) })
  /** Until nothing is in flight: no new signal across a few delivery delays, and both sides stable (no fixed sleep: a busy machine is slow). */
  const settled = async (): Promise<void> => {
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const current = delivering
      await current
      await new Promise(resolve => setTimeout(resolve, delayMs * 4))
      if (current === delivering && a.signalingState === 'stable' && b.signalingState === 'stable') return
    }
    throw new Error(`never settled: a ${a.signalingState}, b ${b.signalingState}`)
  }
  return { a, b, na, nb, errors, sent, settled }
}

/** Resolves once `name` has sent an offer. */
async function offered (sent: Array<[string, CallSignal]>, name: string): Promise<void> {
  while (!sent.some(([from, s]) => from === name && s.kind === 'description' && s.description.type === 'offer')) await tick()
}

const candidate = (name: string): { candidate: { toJSON(): RTCIceCandidateInit } } => ({
  candidate: { toJSON: () => ({ candidate: `candidate:${name} 1 udp 2122260223 127.0.0.1 5000 typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: name }) }
})

describe('perfect negotiation', () => {
  it('one side offers, the other answers, and candidates follow', async () => {
    const { a, b, errors, sent, settled } = pair()
    a.fire('negotiationneeded')
    // candidates are gathered once the offer is set, so they follow it
    await offered(sent, 'a')
    a.fire('icecandidate', candidate('a1'))
    a.fire('icecandidate', { candidate: null })
    await settled()
    expect(a.signalingState).toBe('stable')
    expect(b.signalingState).toBe('stable')
    expect(b.applied).toEqual(['offer:a-1'])
    expect(a.applied).toEqual(['answer:b-answer-to-a-1'])
    expect(b.candidates.map(c => c.usernameFragment)).toEqual(['a1'])
    expect(errors).toEqual([])
  })

  it('when both offer at once, the polite side rolls back and answers; the impolite one ignores the other offer', async () => {
    const { a, b, errors, sent, settled } = pair()
    a.fire('negotiationneeded')
    b.fire('negotiationneeded')
    // candidates of b's doomed offer must not break a
    await offered(sent, 'b')
    b.fire('icecandidate', candidate('b-doomed'))
    await settled()
    expect(a.signalingState).toBe('stable')
    expect(b.signalingState).toBe('stable')
    expect(b.applied).toEqual(['rollback', 'offer:a-1'])
    expect(a.applied).toEqual(['answer:b-answer-to-a-1'])
    expect(errors).toEqual([])

    // the polite side renegotiates afterwards, and that goes through
    b.fire('negotiationneeded')
    await settled()
    expect(a.applied.at(-1)).toBe('offer:b-2')
    expect(b.applied.at(-1)).toBe('answer:a-answer-to-b-2')
    expect([a.signalingState, b.signalingState]).toEqual(['stable', 'stable'])
  })

  it('lets the answering side attach its tracks before it answers', async () => {
    const a = new FakePeerConnection('a')
    const b = new FakePeerConnection('b')
    const order: string[] = []
    const na: PerfectNegotiation = new PerfectNegotiation(a, { polite: false, send: signal => { void nb.receive(signal) } })
    const nb: PerfectNegotiation = new PerfectNegotiation(b, {
      polite: true,
      send: signal => { order.push(`sent ${signal.kind === 'description' ? signal.description.type : 'candidate'}`); void na.receive(signal) },
      beforeAnswer: async () => { order.push(`attach in ${b.signalingState}`) }
    })
    a.fire('negotiationneeded')
    while (a.signalingState !== 'stable' || order.length < 2) await tick()
    expect(order).toEqual(['attach in have-remote-offer', 'sent answer'])
  })

  it('stops sending once closed', async () => {
    const { a, na, sent, settled } = pair()
    na.close()
    a.fire('negotiationneeded')
    a.fire('icecandidate', candidate('late'))
    await settled()
    expect(sent).toEqual([])
  })
})
