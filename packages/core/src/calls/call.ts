/**
 * One call in one room, as this device sees it: who is in it, a signaling
 * link to each of them, and the negotiation signals the app's peer
 * connections exchange over those links.
 */
import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { backoffDelay, sleep } from '../connectivity/backoff.js'
import { frameStream, type FrameStream } from '../connectivity/frames.js'
import { verifyMembershipProof, type Room } from '../rooms/index.js'
import {
  CALL_DIAL_TIMEOUT_MS,
  CALL_LINK_GRACE_MS,
  CALL_PROOF_CONTEXT,
  CALL_RETRY_BACKOFF,
  MAX_CALL_FRAME_BYTES,
  MAX_CALL_PARTICIPANTS,
  MAX_QUEUED_SIGNALS
} from './constants.js'
import { CallFullError, CallNotInCallError, CallNotMemberError, CallProtocolError } from './errors.js'
import { readHello, SignalingLink, toError, type HelloFrame, type LinkFrame } from './link.js'
import { encodeCallFrame, type CallFrame, type RefuseReason } from './codec.js'
import type { CallEvents, CallSignal, LeaveReason, MediaState, Participant } from './types.js'
import type { BackoffOptions } from '../connectivity/backoff.js'
import type { Stream } from '@libp2p/interface'

const log = logger('peerlink:calls')

/** What a call needs of its room: keys for proofs, members for presence, and a way to say we are in the call. */
export type CallRoom = Pick<Room, 'roomId' | 'topic' | 'keys' | 'members' | 'setInCall' | 'addEventListener' | 'removeEventListener'>

export interface CallComponents {
  /** Our PeerId. */
  peerId: string
  room: CallRoom
  /** Our membership proof for this room's calls. */
  proof: string
  /** Opens a signaling stream to a peer (connecting to it first if needed). */
  openStream(peerId: string, signal: AbortSignal): Promise<Stream>
  retry?: BackoffOptions
  linkGraceMs?: number
}

interface Entry {
  participant: Participant
  link?: SignalingLink
  /** Signals waiting for the link to come back. */
  queue: CallFrame[]
  grace?: ReturnType<typeof setTimeout>
}

/**
 * A call we are in. Participants come and go as signaling links are made
 * (the member with the lower PeerId dials) and as room presence says who is
 * in the call; see the module documentation in `index.ts`.
 */
export class Call extends TypedEventEmitter<CallEvents> {
  readonly roomId: string
  readonly topic: string
  private media_: MediaState
  private readonly entries = new Map<string, Entry>()
  /** Dial loops under way, by PeerId. */
  private readonly dialing = new Map<string, AbortController>()
  /** Peers that turned us away; dialed again once their presence changes. */
  private readonly refused = new Set<string>()
  /** Whether each member was in the call, per its last presence. */
  private readonly present = new Map<string, boolean>()
  private readonly controller = new AbortController()
  private readonly onMembers = (): void => { this.reconcile() }

  constructor (private readonly components: CallComponents, readonly session: string, media: MediaState) {
    super()
    this.roomId = components.room.roomId
    this.topic = components.room.topic
    this.media_ = { ...media }
  }

  get active (): boolean {
    return !this.controller.signal.aborted
  }

  get media (): MediaState {
    return { ...this.media_ }
  }

  /** The other participants, by PeerId. */
  participants (): Participant[] {
    return [...this.entries.values()].map(e => ({ ...e.participant, media: { ...e.participant.media } }))
  }

  /** Says in the room that we are in the call, and links to those already in it. */
  start (): void {
    const { room } = this.components
    room.addEventListener('members:changed', this.onMembers)
    room.setInCall(true)
    this.reconcile()
  }

  /** Tells every participant what we now send (mute, camera, screen). */
  setMedia (media: MediaState): void {
    this.media_ = { ...media }
    for (const entry of this.entries.values()) entry.link?.send({ t: 'media', ...this.media_ })
  }

  /**
   * Sends a negotiation signal to a participant, or keeps it until its
   * signaling link is back.
   *
   * @returns false when `peerId` is not a participant (any more)
   */
  signal (peerId: string, signal: CallSignal): boolean {
    const entry = this.entries.get(peerId)
    if (entry == null || !this.active) return false
    const frame: CallFrame = signal.kind === 'description'
      ? { t: 'sdp', type: signal.description.type, sdp: signal.description.sdp }
      : { t: 'ice', candidate: signal.candidate.candidate, mid: signal.candidate.sdpMid, index: signal.candidate.sdpMLineIndex, ufrag: signal.candidate.usernameFragment }
    if (entry.link?.open === true) return entry.link.send(frame)
    if (entry.queue.length >= MAX_QUEUED_SIGNALS) entry.queue.shift()
    entry.queue.push(frame)
    return true
  }

  /** Leaves the call: bye to every participant, and the room hears we left. */
  async leave (): Promise<void> {
    if (!this.active) return
    this.controller.abort()
    const { room } = this.components
    room.removeEventListener('members:changed', this.onMembers)
    for (const dial of this.dialing.values()) dial.abort()
    this.dialing.clear()
    const links = [...this.entries.values()].map(e => e.link).filter(l => l != null)
    for (const peerId of [...this.entries.keys()]) this.remove(peerId, 'ended', false)
    await Promise.all(links.map(async link => link.bye()))
    room.setInCall(false)
    this.safeDispatchEvent('call:ended', { detail: { roomId: this.roomId } })
  }

  /**
   * Serves a signaling stream a member opened, once `Calls` checked its
   * membership proof: answers its hello and keeps the link.
   */
  async accept (stream: Stream, lp: FrameStream, remotePeer: string, hello: HelloFrame): Promise<void> {
    if (!this.active) return refuse(stream, lp, 'not-in-call')
    const existing = this.entries.get(remotePeer)
    if (existing == null && this.entries.size >= MAX_CALL_PARTICIPANTS - 1) return refuse(stream, lp, 'full')
    const keep = existing != null && existing.participant.session === hello.session && hello.known === this.session
    await lp.write(encodeHello(this, this.components.proof, keep ? hello.session : null))
    this.install(remotePeer, hello, stream, lp, keep)
  }

  /** Links to every member in the call we are to dial; drops those who left. */
  private reconcile (): void {
    if (!this.active) return
    const me = this.components.peerId
    for (const member of this.components.room.members()) {
      if (member.self) continue
      const inCall = member.inCall && member.state !== 'offline'
      const was = this.present.get(member.peerId) ?? false
      this.present.set(member.peerId, inCall)
      if (inCall !== was) this.refused.delete(member.peerId)
      const entry = this.entries.get(member.peerId)
      // presence says it left: believe it unless its link is up (the link says bye itself,
      // and a presence that lags behind a rejoin must not drop a working participant)
      if (!inCall && entry != null && entry.link?.open !== true && (was || entry.participant.link === 'reconnecting')) {
        log('%s is no longer in the call in %s (%s)', member.peerId, this.topic, member.state)
        this.remove(member.peerId, member.state === 'offline' ? 'lost' : 'left', true)
        continue
      }
      if (entry != null && member.name !== entry.participant.name) {
        entry.participant.name = member.name
        this.emitUpdated(entry)
      }
      if (inCall && me < member.peerId) this.dial(member.peerId)
    }
  }

  /** Starts a dial loop to `peerId` unless one runs, a link is up, or it refused us. */
  private dial (peerId: string): void {
    if (!this.active || this.dialing.has(peerId) || this.refused.has(peerId)) return
    if (this.entries.get(peerId)?.link?.open === true) return
    if (!this.entries.has(peerId) && this.entries.size >= MAX_CALL_PARTICIPANTS - 1) return
    const controller = new AbortController()
    this.dialing.set(peerId, controller)
    const signal = AbortSignal.any([this.controller.signal, controller.signal])
    void (async () => {
      for (let attempt = 0; !signal.aborted && this.shouldDial(peerId); attempt++) {
        try {
          await this.dialOnce(peerId, signal)
          return
        } catch (err) {
          if (signal.aborted) return
          const error = toError(err)
          if (error instanceof CallNotInCallError || error instanceof CallNotMemberError || error instanceof CallFullError) {
            log('%s turned us away: %s', peerId, error.message)
            this.refused.add(peerId)
            return
          }
          log('signaling to %s, attempt %d: %s: %s', peerId, attempt, error.name, error.message)
          try {
            await sleep(backoffDelay(attempt, this.components.retry ?? CALL_RETRY_BACKOFF), { signal })
          } catch {
            return
          }
        }
      }
    })().finally(() => {
      if (this.dialing.get(peerId) === controller) this.dialing.delete(peerId)
    })
  }

  /** Whether we should (still) dial `peerId`: its presence says it is in the call, or its link is down. */
  private shouldDial (peerId: string): boolean {
    const entry = this.entries.get(peerId)
    if (entry?.link?.open === true) return false
    return entry != null || this.present.get(peerId) === true
  }

  private async dialOnce (peerId: string, stop: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([stop, AbortSignal.timeout(CALL_DIAL_TIMEOUT_MS)])
    const stream = await this.components.openStream(peerId, signal)
    const lp = frameStream(stream, { maxFrameBytes: MAX_CALL_FRAME_BYTES })
    try {
      const entry = this.entries.get(peerId)
      await lp.write(encodeHello(this, this.components.proof, entry?.participant.session ?? null), { signal })
      const reply = await readHello(lp, signal)
      if (reply.t === 'refuse') {
        await stream.close({ signal }).catch(() => {})
        throw refusal(reply.reason)
      }
      if (reply.topic !== this.topic) throw new CallProtocolError('the hello names another room')
      if (!await verifyMembershipProof(this.components.room.keys, this.topic + CALL_PROOF_CONTEXT, peerId, reply.proof)) {
        throw new CallNotMemberError(`${peerId} did not prove it is a member`)
      }
      if (!this.active || stop.aborted) throw new CallProtocolError('the call was left')
      const keep = entry != null && this.entries.get(peerId) === entry && entry.participant.session === reply.session && reply.known === this.session
      this.install(peerId, reply, stream, lp, keep)
    } catch (err) {
      stream.abort(toError(err))
      throw err
    }
  }

  /**
   * Makes `stream` the link to `peerId`. `keep`: both sides still have the
   * peer connection of these two sessions, so it carries on; otherwise any
   * old participant entry is replaced and the app starts a new connection.
   */
  private install (peerId: string, hello: HelloFrame, stream: Stream, lp: FrameStream, keep: boolean): void {
    const link = new SignalingLink(stream, lp, peerId, {
      frame: frame => { this.onFrame(peerId, link, frame) },
      closed: result => { this.onLinkClosed(peerId, link, result) }
    })
    let entry = this.entries.get(peerId)
    if (entry != null && !keep) {
      this.remove(peerId, 'replaced', true)
      entry = undefined
    }
    if (entry != null) {
      const old = entry.link
      entry.link = link
      void old?.close()
      clearTimeout(entry.grace)
      entry.grace = undefined
      entry.participant.link = 'connected'
      entry.participant.media = { ...hello.media }
      link.start()
      for (const frame of entry.queue.splice(0)) link.send(frame)
      this.emitUpdated(entry)
      return
    }
    const name = this.components.room.members().find(m => m.peerId === peerId)?.name ?? ''
    entry = {
      participant: { peerId, session: hello.session, name, media: { ...hello.media }, polite: this.components.peerId > peerId, link: 'connected' },
      link,
      queue: []
    }
    this.entries.set(peerId, entry)
    link.start()
    log('%s joined the call in %s', peerId, this.topic)
    this.safeDispatchEvent('participant:joined', { detail: { ...entry.participant, media: { ...entry.participant.media } } })
  }

  private onFrame (peerId: string, link: SignalingLink, frame: LinkFrame): void {
    const entry = this.entries.get(peerId)
    if (entry?.link !== link) return
    const { session } = entry.participant
    switch (frame.t) {
      case 'sdp':
        this.safeDispatchEvent('participant:signal', { detail: { peerId, session, signal: { kind: 'description', description: { type: frame.type, sdp: frame.sdp } } } })
        break
      case 'ice':
        this.safeDispatchEvent('participant:signal', { detail: { peerId, session, signal: { kind: 'candidate', candidate: { candidate: frame.candidate, sdpMid: frame.mid, sdpMLineIndex: frame.index, usernameFragment: frame.ufrag } } } })
        break
      case 'media':
        entry.participant.media = { audio: frame.audio, video: frame.video, screen: frame.screen }
        this.emitUpdated(entry)
        break
    }
  }

  private onLinkClosed (peerId: string, link: SignalingLink, result: { bye: boolean, error?: Error }): void {
    const entry = this.entries.get(peerId)
    if (entry?.link !== link || !this.active) return
    entry.link = undefined
    if (result.bye) {
      log('%s left the call in %s', peerId, this.topic)
      this.remove(peerId, 'left', false)
      return
    }
    // the stream broke, and its presence already says it is gone (a reload, a closed tab)
    if (this.present.get(peerId) === false) {
      this.remove(peerId, 'lost', false)
      return
    }
    // the stream broke: keep the participant (media may still flow) while the link is made again
    entry.participant.link = 'reconnecting'
    this.emitUpdated(entry)
    entry.grace = setTimeout(() => {
      if (this.entries.get(peerId) === entry && entry.link == null) this.remove(peerId, 'lost', false)
    }, this.components.linkGraceMs ?? CALL_LINK_GRACE_MS)
    if (this.components.peerId < peerId) this.dial(peerId)
  }

  private remove (peerId: string, reason: LeaveReason, closeLink: boolean): void {
    const entry = this.entries.get(peerId)
    if (entry == null) return
    this.entries.delete(peerId)
    clearTimeout(entry.grace)
    const link = entry.link
    entry.link = undefined
    if (closeLink) void link?.close()
    this.safeDispatchEvent('participant:left', { detail: { peerId, session: entry.participant.session, reason } })
  }

  private emitUpdated (entry: Entry): void {
    this.safeDispatchEvent('participant:updated', { detail: { ...entry.participant, media: { ...entry.participant.media } } })
  }
}

/** Our hello: the room, our proof, our session, what we send, and which session of the peer's we still have a connection with. */
export function encodeHello (call: Call, proof: string, known: string | null): Uint8Array {
  return encodeCallFrame({ t: 'hello', topic: call.topic, proof, session: call.session, known, media: call.media })
}

async function refuse (stream: Stream, lp: FrameStream, reason: RefuseReason): Promise<void> {
  try {
    await lp.write(encodeCallFrame({ t: 'refuse', reason }))
    await stream.close({ signal: AbortSignal.timeout(2_000) })
  } catch (err) {
    stream.abort(toError(err))
  }
}

function refusal (reason: RefuseReason): Error {
  switch (reason) {
    case 'not-member': return new CallNotMemberError('the peer does not count us as a member of the room')
    case 'not-in-call': return new CallNotInCallError('the peer is not in the call')
    case 'full': return new CallFullError('the call is full')
  }
}

export { refuse as refuseStream }
