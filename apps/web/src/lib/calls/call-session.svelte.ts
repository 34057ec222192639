/**
 * Calls in the app: the call we are in (at most one, in one room), its
 * peer connections and tiles, and the controls. Core's `peer.calls` does
 * the signaling and says who is in the call; this layer owns the media.
 */
import { nameOrId } from '../chat/chat-format.ts'
import { LocalMedia, type DeviceChoice, type TrackChange } from './call-media.svelte.ts'
import { CallPeer } from './call-peer.svelte.ts'
import { CallSettings } from '../settings/call-settings.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import type { Session } from '../session/session.svelte.ts'
import { MAX_CALL_PARTICIPANTS, type Call, type Member, type Participant, type Peerlink, type Room } from './calls-api.ts'
import { subscribe } from '../shared/subscribe.ts'

/** Most participants in a call, ourselves included (a full mesh beyond this is unusable). */
export const MAX_PARTICIPANTS = MAX_CALL_PARTICIPANTS

/** Statistics are read this often. */
export const STATS_INTERVAL_MS = 500

/** One tile of the participant grid. */
export interface CallTile {
  peerId: string
  self: boolean
  /** The display name (a short PeerId for those who chose none). */
  name: string
  stream?: MediaStream | undefined
  /** What the participant sends (as it told us; ours for our own tile). */
  audio: boolean
  video: boolean
  screen: boolean
  speaking: boolean
  audioLevel: number
  /** Remote tiles: video frames decoded and audio bytes received so far. */
  framesDecoded: number
  audioBytes: number
  /** Epoch ms of the first decoded video frame (benchmarks: minus `ActiveCall.joinedAt`). */
  firstFrameAt?: number | undefined
  /** RTCPeerConnectionState, or 'local'. */
  connection: string
  /** RTCSignalingState, or 'local'. */
  signaling: string
  /** The signaling link: 'connected', 'reconnecting', or 'local'. */
  link: string
  /** Largest video bitrate we send this participant. */
  maxBitrate?: number | undefined
}

/** The call we are in. */
export class ActiveCall {
  readonly roomId: string
  /** Epoch ms when "Start call"/"Join call" was pressed. */
  readonly joinedAt: number
  readonly media: LocalMedia
  peers = $state.raw<CallPeer[]>([])
  members = $state.raw<Member[]>([])
  selfId: string
  readonly #call: Call
  readonly #room: Room
  readonly #timer: ReturnType<typeof setInterval>
  /** Our own video as the self tile previews it (one stream per track, so the element is not reloaded). */
  readonly #preview = $derived.by(() => {
    const track = this.media.videoTrack
    return track != null ? new MediaStream([track]) : undefined
  })
  #localSpeakingUntil = 0
  localSpeaking = $state(false)
  localLevel = $state(0)
  #ended = false
  readonly #onEnded: () => void
  readonly #unsubscribe: Array<() => void>

  /** ICE servers for the next participant's connection (the user's, else the relays' with unexpired credentials). */
  readonly #iceServers: () => RTCIceServer[]

  constructor (init: { call: Call, room: Room, media: LocalMedia, iceServers: () => RTCIceServer[], joinedAt: number, selfId: string, onEnded: () => void }) {
    this.#iceServers = init.iceServers
    this.#call = init.call
    this.#room = init.room
    this.media = init.media
    this.roomId = init.call.roomId
    this.joinedAt = init.joinedAt
    this.selfId = init.selfId
    this.#onEnded = init.onEnded
    this.members = this.#room.members()
    this.#unsubscribe = [
      subscribe(this.#room, { 'members:changed': () => { this.members = this.#room.members() } }),
      subscribe(this.#call, {
        'participant:joined': evt => { this.#add(evt.detail) },
        'participant:updated': evt => {
          const peer = this.peers.find(p => p.peerId === evt.detail.peerId && p.participant.session === evt.detail.session)
          if (peer == null) return
          peer.participant = evt.detail
          this.peers = [...this.peers]
        },
        'participant:left': evt => { this.#remove(evt.detail.peerId, evt.detail.session) },
        'participant:signal': evt => {
          const peer = this.peers.find(p => p.peerId === evt.detail.peerId && p.participant.session === evt.detail.session)
          void peer?.receive(evt.detail.signal)
        },
        'call:ended': () => { this.#cleanup() }
      })
    ]
    for (const participant of this.#call.participants()) this.#add(participant)
    this.#timer = setInterval(() => { void this.#poll() }, STATS_INTERVAL_MS)
  }

  get muted (): boolean {
    return this.media.muted
  }

  get cameraOn (): boolean {
    return this.media.cameraOn
  }

  get sharing (): boolean {
    return this.media.sharing
  }

  get cameras (): DeviceChoice[] {
    return this.media.cameras
  }

  get microphones (): DeviceChoice[] {
    return this.media.microphones
  }

  /** Our tile first, then the others in the order they joined. */
  get tiles (): CallTile[] {
    const self = this.members.find(m => m.self)
    const own: CallTile = {
      peerId: this.selfId,
      self: true,
      name: `${nameOrId(self?.name ?? '', this.selfId)} (you)`,
      stream: this.#preview,
      ...this.media.state,
      speaking: this.localSpeaking,
      audioLevel: this.localLevel,
      framesDecoded: 0,
      audioBytes: 0,
      connection: 'local',
      signaling: 'local',
      link: 'local'
    }
    return [own, ...this.peers.map(peer => {
      const member = this.members.find(m => m.peerId === peer.peerId)
      return {
        peerId: peer.peerId,
        self: false,
        name: nameOrId(member?.name ?? peer.participant.name, peer.peerId),
        stream: peer.stream,
        ...peer.participant.media,
        speaking: peer.speaking,
        audioLevel: peer.stats.audioLevel,
        framesDecoded: peer.stats.framesDecoded,
        audioBytes: peer.stats.audioBytes,
        firstFrameAt: peer.stats.firstFrameAt,
        connection: peer.connection,
        signaling: peer.signaling,
        link: peer.participant.link,
        maxBitrate: peer.maxBitrate
      }
    })]
  }

  toggleMute (): void {
    this.media.setMuted(!this.media.muted)
    this.#call.setMedia(this.media.state)
  }

  async toggleCamera (): Promise<void> {
    await this.media.setCamera(!this.media.cameraOn)
    this.#call.setMedia(this.media.state)
  }

  async toggleScreen (): Promise<void> {
    if (this.media.sharing) await this.media.stopSharing()
    else await this.media.shareScreen()
    this.#call.setMedia(this.media.state)
  }

  async chooseCamera (deviceId: string): Promise<void> {
    await this.media.chooseCamera(deviceId)
  }

  async chooseMicrophone (deviceId: string): Promise<void> {
    await this.media.chooseMicrophone(deviceId)
  }

  /** Our tracks changed (device switch, camera, screen): every connection sends the new ones. */
  async tracksChanged (change: TrackChange): Promise<void> {
    const track = (change === 'audio' ? this.media.audioTrack : this.media.videoTrack) ?? null
    await Promise.all(this.peers.map(async peer => peer.replaceTrack(change, track)))
  }

  async leave (): Promise<void> {
    await this.#call.leave()
    this.#cleanup()
  }

  #add (participant: Participant): void {
    if (this.#ended) return
    // a participant that joined again (a reload) replaces its old connection
    for (const old of this.peers.filter(p => p.peerId === participant.peerId)) old.close()
    const peer = new CallPeer(participant, this.#iceServers(), this.media, signal => { this.#call.signal(participant.peerId, signal) })
    this.peers = [...this.peers.filter(p => p.peerId !== participant.peerId), peer]
    this.#resize()
  }

  #remove (peerId: string, session: string): void {
    const peer = this.peers.find(p => p.peerId === peerId && p.participant.session === session)
    if (peer == null) return
    peer.close()
    this.peers = this.peers.filter(p => p !== peer)
    this.#resize()
  }

  /** The mesh changed size: every outgoing video gets its share of the upload. */
  #resize (): void {
    for (const peer of this.peers) void peer.setOthers(this.peers.length)
  }

  async #poll (): Promise<void> {
    const now = Date.now()
    await Promise.all(this.peers.map(async peer => peer.poll(now)))
    const level = this.media.state.audio ? Math.max(0, ...this.peers.map(p => p.stats.localAudioLevel)) : 0
    if (level > 0.02) this.#localSpeakingUntil = now + 800
    this.localLevel = level
    const speaking = now < this.#localSpeakingUntil
    if (speaking !== this.localSpeaking) this.localSpeaking = speaking
  }

  #cleanup (): void {
    if (this.#ended) return
    this.#ended = true
    clearInterval(this.#timer)
    for (const unsubscribe of this.#unsubscribe) unsubscribe()
    for (const peer of this.peers) peer.close()
    this.peers = []
    this.media.stop()
    this.#onEnded()
  }
}

/**
 * The app's calls: follows the running peer, joins and leaves, and keeps
 * the call settings. One per page (see {@link callsFor}).
 */
export class CallManager {
  active = $state.raw<ActiveCall>()
  /** The room whose call is being joined. */
  joining = $state<string>()
  error = $state<string>()
  readonly settings = new CallSettings()
  #peer?: Peerlink

  constructor (private readonly session: Session) {
    session.watchPeer(peer => { this.#attach(peer) })
    // a reload or a closed tab leaves the call (the others also notice the streams closing)
    addEventListener('pagehide', () => { void this.active?.leave() })
  }

  /**
   * Starts or joins the call of a room (leaving any other call first):
   * opens the camera and microphone, then joins through core.
   */
  async join (roomId: string): Promise<void> {
    if (this.active?.roomId === roomId || this.joining != null) return
    const joinedAt = Date.now()
    this.joining = roomId
    this.error = undefined
    let media: LocalMedia | undefined
    try {
      await this.active?.leave()
      const peer = this.#peer
      const room = peer?.rooms.get(roomId)
      if (peer == null || room == null) throw new Error('Peerlink is not running yet.')
      await this.settings.loaded
      const local = media = new LocalMedia(this.settings, change => { void this.active?.tracksChanged(change) })
      await local.open()
      // the user's ICE servers win; else the relays' (fetched now if their credentials are due)
      await peer.iceServers().catch(() => [])
      const iceServers = (): RTCIceServer[] => this.settings.iceServers.length > 0 ? this.settings.iceServers : peer.relayIce.current()
      const call = await peer.calls.join(roomId, { media: local.state })
      const active: ActiveCall = new ActiveCall({
        call,
        room,
        media: local,
        iceServers,
        joinedAt,
        selfId: peer.peerId,
        onEnded: () => { if (this.active === active) this.active = undefined }
      })
      this.active = active
    } catch (err) {
      media?.stop()
      this.error = `Could not join the call: ${errorMessage(err)}`
    } finally {
      this.joining = undefined
    }
  }

  async leave (): Promise<void> {
    await this.active?.leave()
  }

  #attach (peer: Peerlink | undefined): void {
    if (peer === this.#peer) return
    // the peer stopped or restarted: its calls ended with it
    void this.active?.leave()
    this.#peer = peer
  }
}

const managers = new WeakMap<Session, CallManager>()

/** The page's call manager for `session` (made on first use). */
export function callsFor (session: Session): CallManager {
  let manager = managers.get(session)
  if (manager == null) {
    manager = new CallManager(session)
    managers.set(session, manager)
  }
  return manager
}
