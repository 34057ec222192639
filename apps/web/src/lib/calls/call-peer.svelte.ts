/**
 * The peer connection to one participant of a call: our tracks out, theirs
 * in, perfect negotiation over the call's signaling, the video encoding for
 * the mesh size, and the statistics the tiles show (frames decoded, audio
 * received, audio level for the speaking indicator).
 */
import { PerfectNegotiation, videoEncodingFor, type CallSignal, type Participant } from './calls-api.ts'
import type { LocalMedia } from './call-media.svelte.ts'

/** An audio level (0..1, from getStats) above which someone is speaking. */
export const SPEAKING_LEVEL = 0.02
/** How long the speaking indicator stays on after the level drops. */
export const SPEAKING_HOLD_MS = 800

export interface PeerStats {
  framesDecoded: number
  audioBytes: number
  audioLevel: number
  /** Epoch ms when the first remote video frame was decoded (seen by polling). */
  firstFrameAt?: number
  /** Level of our own microphone as this connection sends it. */
  localAudioLevel: number
}

export class CallPeer {
  readonly pc: RTCPeerConnection
  readonly negotiation: PerfectNegotiation
  /** The participant's tracks as they arrive. */
  stream = $state.raw<MediaStream>()
  connection = $state<RTCPeerConnectionState>('new')
  signaling = $state<RTCSignalingState>('stable')
  stats = $state.raw<PeerStats>({ framesDecoded: 0, audioBytes: 0, audioLevel: 0, localAudioLevel: 0 })
  speaking = $state(false)
  /** What we now send this participant at most, in bits per second. */
  maxBitrate = $state<number>()
  #speakingUntil = 0
  #others = 1
  #closed = false
  #restarted = false

  constructor (
    public participant: Participant,
    iceServers: RTCIceServer[],
    private readonly local: Pick<LocalMedia, 'stream' | 'audioTrack' | 'videoTrack' | 'sharing'>,
    send: (signal: CallSignal) => void
  ) {
    this.pc = new RTCPeerConnection({ iceServers })
    this.negotiation = new PerfectNegotiation(this.pc, { polite: participant.polite, send, beforeAnswer: async () => this.#attachTracks() })
    this.pc.addEventListener('track', evt => { this.#onTrack(evt) })
    this.pc.addEventListener('connectionstatechange', () => { this.#onConnectionState() })
    this.pc.addEventListener('signalingstatechange', () => {
      this.signaling = this.pc.signalingState
      // a negotiation completed: senders have encodings now
      if (this.pc.signalingState === 'stable') void this.applyEncoding()
    })
    // the impolite side makes the first offer, with a transceiver per kind
    // (sending whatever we have); the polite side answers it, attaching its
    // tracks to those transceivers: no colliding offers at the start
    if (!participant.polite) {
      this.pc.addTransceiver(local.audioTrack ?? 'audio', { direction: 'sendrecv', streams: [local.stream] })
      this.pc.addTransceiver(local.videoTrack ?? 'video', { direction: 'sendrecv', streams: [local.stream] })
    }
  }

  /** Puts our tracks on the transceivers a remote offer made, before we answer it. */
  async #attachTracks (): Promise<void> {
    for (const [kind, track] of [['audio', this.local.audioTrack], ['video', this.local.videoTrack]] as const) {
      if (track == null || this.pc.getSenders().some(s => s.track === track)) continue
      const transceiver = this.pc.getTransceivers().find(t => t.receiver.track.kind === kind && t.sender.track == null && t.currentDirection !== 'stopped')
      if (transceiver == null) continue
      if (transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv'
      if (transceiver.direction === 'inactive') transceiver.direction = 'sendonly'
      transceiver.sender.setStreams(this.local.stream)
      await transceiver.sender.replaceTrack(track)
    }
  }

  get peerId (): string {
    return this.participant.peerId
  }

  /** Applies a signal from the participant. */
  async receive (signal: CallSignal): Promise<void> {
    await this.negotiation.receive(signal)
  }

  /**
   * Sends `track` as our audio or video (null: nothing, e.g. the camera is
   * off). Reuses the transceiver of that kind, turning it to send if it only
   * received (a renegotiation follows), or adds a track.
   */
  async replaceTrack (kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    if (this.#closed) return
    const transceiver = this.pc.getTransceivers().find(t => t.sender.track?.kind === kind) ??
      this.pc.getTransceivers().find(t => t.receiver.track.kind === kind && t.currentDirection !== 'stopped')
    if (transceiver == null) {
      if (track != null) this.pc.addTrack(track, this.local.stream)
      return
    }
    if (track != null) {
      if (transceiver.direction === 'recvonly') transceiver.direction = 'sendrecv'
      if (transceiver.direction === 'inactive') transceiver.direction = 'sendonly'
      transceiver.sender.setStreams(this.local.stream)
    }
    await transceiver.sender.replaceTrack(track)
    if (kind === 'video') await this.applyEncoding()
  }

  /** Limits the video we send as the mesh has `others` other participants. */
  async setOthers (others: number): Promise<void> {
    this.#others = others
    await this.applyEncoding()
  }

  async applyEncoding (): Promise<void> {
    if (this.#closed) return
    const encoding = videoEncodingFor(this.#others)
    for (const sender of this.pc.getSenders()) {
      if (sender.track?.kind !== 'video') continue
      const params = sender.getParameters()
      // before negotiation there is nothing to set; signalingstatechange brings us back
      const first = params.encodings?.[0]
      if (first == null) continue
      first.maxBitrate = encoding.maxBitrate
      first.maxFramerate = encoding.maxFramerate
      // a shared screen keeps its resolution (text must stay legible); the bitrate still applies
      first.scaleResolutionDownBy = this.local.sharing ? 1 : encoding.scaleResolutionDownBy
      try {
        await sender.setParameters(params)
        this.maxBitrate = encoding.maxBitrate
      } catch {
        // a negotiation is under way: applied again once it is stable
      }
    }
  }

  /** Reads the connection's statistics for the tile. */
  async poll (now = Date.now()): Promise<void> {
    if (this.#closed) return
    let framesDecoded = 0
    let audioBytes = 0
    let audioLevel = 0
    let localAudioLevel = 0
    try {
      const report = await this.pc.getStats()
      report.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') framesDecoded += num(s.framesDecoded)
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          audioBytes += num(s.bytesReceived)
          audioLevel = Math.max(audioLevel, num(s.audioLevel))
        }
        if (s.type === 'media-source' && s.kind === 'audio') localAudioLevel = Math.max(localAudioLevel, num(s.audioLevel))
      })
    } catch {
      return
    }
    const before = this.stats
    const firstFrameAt = before.firstFrameAt ?? (framesDecoded > 0 ? now : undefined)
    this.stats = { framesDecoded, audioBytes, audioLevel, localAudioLevel, ...(firstFrameAt != null ? { firstFrameAt } : {}) }
    if (this.participant.media.audio && audioLevel > SPEAKING_LEVEL) this.#speakingUntil = now + SPEAKING_HOLD_MS
    const speaking = now < this.#speakingUntil
    if (speaking !== this.speaking) this.speaking = speaking
  }

  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.negotiation.close()
    this.pc.close()
    this.connection = 'closed'
  }

  #onTrack (evt: RTCTrackEvent): void {
    const stream = evt.streams[0]
    if (stream != null) {
      if (stream !== this.stream) this.stream = stream
      return
    }
    // a track without a stream: keep one of our own, one track per kind
    const own = new MediaStream((this.stream?.getTracks() ?? []).filter(t => t.kind !== evt.track.kind))
    own.addTrack(evt.track)
    this.stream = own
  }

  #onConnectionState (): void {
    this.connection = this.pc.connectionState
    if (this.pc.connectionState === 'connected') {
      this.#restarted = false
      void this.applyEncoding()
    }
    // the network changed under us: find a new path once (the signaling is still there)
    if (this.pc.connectionState === 'failed' && !this.#restarted) {
      this.#restarted = true
      this.pc.restartIce()
    }
  }
}

function num (value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}
