/**
 * Perfect negotiation (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example)
 * for one peer connection of a call: either side may renegotiate at any
 * time (a track added, an ICE restart); when two offers collide, the polite
 * side rolls its own back and answers, the impolite side ignores the other's.
 * Calls avoid the collision at the start: the impolite side makes the first
 * offer with a transceiver per kind, and the polite side attaches its tracks
 * to those in {@link NegotiationInit.beforeAnswer}.
 *
 * Uses only the peer connection it is given, so core has no browser globals:
 * the app creates the RTCPeerConnection (with its ICE servers) and the media.
 */
import { logger } from '@libp2p/logger'
import type { CallSignal, IceCandidate, SessionDescription } from './types.js'

const log = logger('peerlink:calls:negotiation')

/** The part of RTCPeerConnection that negotiation uses. */
export interface NegotiatingConnection {
  readonly signalingState: RTCSignalingState
  readonly localDescription: { type: RTCSdpType, sdp: string } | null
  setLocalDescription(): Promise<void>
  setRemoteDescription(description: SessionDescription): Promise<void>
  addIceCandidate(candidate: IceCandidate): Promise<void>
  addEventListener(type: 'negotiationneeded', listener: () => void): void
  addEventListener(type: 'icecandidate', listener: (evt: IceCandidateEvent) => void): void
  removeEventListener(type: 'negotiationneeded', listener: () => void): void
  removeEventListener(type: 'icecandidate', listener: (evt: IceCandidateEvent) => void): void
}

/** The part of RTCPeerConnectionIceEvent that negotiation uses (null: gathering finished). */
export interface IceCandidateEvent {
  readonly candidate: { toJSON(): RTCIceCandidateInit } | null
}

export interface NegotiationInit {
  /** Whether we yield when offers collide (see `Participant.polite`). */
  polite: boolean
  /** Sends a signal to the other side (`Call.signal`). */
  send(signal: CallSignal): void
  /**
   * Called with each remote offer applied, before our answer is made: the
   * place to attach our tracks to the transceivers the offer created (so the
   * answer sends them) instead of adding our own and renegotiating.
   */
  beforeAnswer?(): Promise<void> | void
  /** A negotiation step failed (logged; the app may restart ICE or drop the connection). */
  onError?(err: Error): void
}

export class PerfectNegotiation {
  private makingOffer = false
  private ignoreOffer = false
  private settingRemoteAnswer = false
  private closed = false
  /** Signals are applied one at a time, in order. */
  private queue: Promise<void> = Promise.resolve()

  private readonly onNegotiationNeeded = (): void => {
    void this.offer()
  }

  private readonly onIceCandidate = (evt: IceCandidateEvent): void => {
    if (evt.candidate == null || this.closed) return
    const c = evt.candidate.toJSON()
    // an empty candidate marks the end of a generation: the other side does not need it
    if (c.candidate == null || c.candidate === '') return
    this.init.send({ kind: 'candidate', candidate: { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null, usernameFragment: c.usernameFragment ?? null } })
  }

  constructor (private readonly pc: NegotiatingConnection, private readonly init: NegotiationInit) {
    pc.addEventListener('negotiationneeded', this.onNegotiationNeeded)
    pc.addEventListener('icecandidate', this.onIceCandidate)
  }

  /** Applies a signal from the other side (descriptions and candidates in arrival order). */
  async receive (signal: CallSignal): Promise<void> {
    const next = this.queue.then(async () => this.apply(signal))
    this.queue = next.catch(() => {})
    return next
  }

  /** Stops listening to the connection (closing it is the app's). */
  close (): void {
    this.closed = true
    this.pc.removeEventListener('negotiationneeded', this.onNegotiationNeeded)
    this.pc.removeEventListener('icecandidate', this.onIceCandidate)
  }

  private async offer (): Promise<void> {
    if (this.closed) return
    try {
      this.makingOffer = true
      await this.pc.setLocalDescription()
      this.sendLocalDescription()
    } catch (err) {
      this.fail(err)
    } finally {
      this.makingOffer = false
    }
  }

  private async apply (signal: CallSignal): Promise<void> {
    if (this.closed) return
    const { pc } = this
    try {
      if (signal.kind === 'description') {
        const { description } = signal
        const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingRemoteAnswer)
        const collision = description.type === 'offer' && !readyForOffer
        this.ignoreOffer = !this.init.polite && collision
        log('received an %s in %s%s', description.type, pc.signalingState, collision ? ' (collision)' : '')
        if (this.ignoreOffer) {
          log('ignoring a colliding offer (we are impolite)')
          return
        }
        this.settingRemoteAnswer = description.type === 'answer'
        try {
          // a polite side with an offer of its own out rolls it back implicitly here
          await pc.setRemoteDescription(description)
        } finally {
          this.settingRemoteAnswer = false
        }
        if (description.type === 'offer') {
          await this.init.beforeAnswer?.()
          await pc.setLocalDescription()
          this.sendLocalDescription()
        }
      } else {
        try {
          await pc.addIceCandidate(signal.candidate)
        } catch (err) {
          // candidates of an offer we ignored do not apply
          if (!this.ignoreOffer) throw err
          log('dropped a candidate of an ignored offer')
        }
      }
    } catch (err) {
      this.fail(err)
    }
  }

  private sendLocalDescription (): void {
    const description = this.pc.localDescription
    if (description == null || this.closed) return
    if (description.type !== 'offer' && description.type !== 'answer') return
    log('sending an %s', description.type)
    this.init.send({ kind: 'description', description: { type: description.type, sdp: description.sdp } })
  }

  private fail (err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err))
    log.error('negotiation step failed: %s: %s', error.name, error.message)
    this.init.onError?.(error)
  }
}
