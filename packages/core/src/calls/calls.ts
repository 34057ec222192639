/**
 * The calls service: the signaling protocol handler and the calls this
 * device is in, one per room at most.
 */
import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { frameStream } from '../connectivity/frames.js'
import { openStream } from '../connectivity/open-stream.js'
import { DEFAULT_TIMEOUT_MS, STREAM_OPEN_TIMEOUT_MS } from '../constants.js'
import { membershipProof, verifyMembershipProof, type Rooms } from '../rooms/index.js'
import { Call, refuseStream, type CallRoom } from './call.js'
import { newSessionId } from './codec.js'
import { CALL_PROOF_CONTEXT, CALL_PROTOCOL, MAX_CALL_FRAME_BYTES, MAX_CALL_PARTICIPANTS } from './constants.js'
import { CallProtocolError, CallUnavailableError } from './errors.js'
import { readHello, toError } from './link.js'
import type { CallsEvents, CallSummary, MediaState } from './types.js'
import type { BackoffOptions } from '../connectivity/backoff.js'
import type { AbortOptions, Connection, Libp2p, Startable, Stream } from '@libp2p/interface'

const log = logger('peerlink:calls')

export interface CallsComponents {
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections'>
  /** The joined rooms: a call is in one of them, and only its members may join. */
  rooms: Pick<Rooms, 'addEventListener' | 'removeEventListener' | 'list'> & { get(roomId: string): CallRoom | undefined }
  /** Finds and connects to a peer (`Peerlink.connectToPeer`) when we have no connection to it. */
  connectToPeer(peerId: string, options?: AbortOptions): Promise<unknown>
}

export interface CallsInit {
  /** Delays between attempts to open a signaling stream. Default: CALL_RETRY_BACKOFF. */
  retry?: BackoffOptions
  /** How long a participant whose signaling stream broke stays in the call. Default: CALL_LINK_GRACE_MS. */
  linkGraceMs?: number
}

/** What we send when joining. Default: microphone and camera on. */
export interface JoinOptions extends AbortOptions {
  media?: MediaState
}

/**
 * Calls in rooms. `join(roomId)` says in the room that we are in its call
 * and links to every member in it; the app sets up a peer connection per
 * participant from the call's events. See the module documentation.
 */
export class Calls extends TypedEventEmitter<CallsEvents> implements Startable {
  private readonly calls = new Map<string, Call>()
  private started = false
  private readonly onRooms = (): void => {
    // a room left while its call runs: leave the call too
    const joined = new Set(this.components.rooms.list().map(r => r.roomId))
    for (const call of this.calls.values()) if (!joined.has(call.roomId)) void call.leave()
  }

  constructor (private readonly components: CallsComponents, private readonly init: CallsInit = {}) {
    super()
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    await this.components.libp2p.handle(CALL_PROTOCOL, async (stream, connection) => this.onStream(stream, connection), {
      // signaling must work over relayed connections too: it is small, and media goes over the peer connections
      runOnLimitedConnection: true,
      maxInboundStreams: MAX_CALL_PARTICIPANTS * 2,
      signal: options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    })
    this.components.rooms.addEventListener('rooms:changed', this.onRooms)
    this.started = true
  }

  /** Leaves every call and stops answering signaling streams. */
  async stop (options: AbortOptions = {}): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.rooms.removeEventListener('rooms:changed', this.onRooms)
    await Promise.all([...this.calls.values()].map(async call => call.leave()))
    try {
      await this.components.libp2p.unhandle(CALL_PROTOCOL, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS) })
    } catch (err) {
      log('unhandling %s: %e', CALL_PROTOCOL, err)
    }
  }

  /**
   * Joins the call of a room (starting it if nobody is in it): the room's
   * members see us in the call, and we link to those in it. Joining twice
   * returns the same call.
   *
   * @throws {CallUnavailableError} when the room is not joined on this device or the service is stopped
   */
  async join (roomId: string, options: JoinOptions = {}): Promise<Call> {
    if (!this.started) throw new CallUnavailableError('Calls are not running.')
    const existing = this.calls.get(roomId)
    if (existing?.active === true) return existing
    const room = this.components.rooms.get(roomId)
    if (room == null) throw new CallUnavailableError('Join the room before joining its call.')
    const peerId = this.components.libp2p.peerId.toString()
    const proof = await membershipProof(room.keys, room.topic + CALL_PROOF_CONTEXT, peerId)
    options.signal?.throwIfAborted()
    const again = this.calls.get(roomId)
    if (again?.active === true) return again
    const call = new Call({
      peerId,
      room,
      proof,
      openStream: async (id, signal) => this.openStream(id, signal),
      ...(this.init.retry != null ? { retry: this.init.retry } : {}),
      ...(this.init.linkGraceMs != null ? { linkGraceMs: this.init.linkGraceMs } : {})
    }, newSessionId(), options.media ?? { audio: true, video: true, screen: false })
    call.addEventListener('call:ended', () => {
      if (this.calls.get(roomId) === call) this.calls.delete(roomId)
      this.emitCalls()
    }, { once: true })
    // registered before the room hears about it, so members who dial at once find it
    this.calls.set(roomId, call)
    call.start()
    this.emitCalls()
    return call
  }

  /** The call we are in, in a room. */
  get (roomId: string): Call | undefined {
    const call = this.calls.get(roomId)
    return call?.active === true ? call : undefined
  }

  list (): CallSummary[] {
    return [...this.calls.values()].filter(c => c.active).map(c => ({ roomId: c.roomId, session: c.session, participants: c.participants().length }))
  }

  /**
   * Serves a signaling stream: reads the hello, checks the member's proof
   * against the room its topic names (the PeerId it is bound to is the
   * Noise-authenticated remote peer), and hands the stream to that room's
   * call. A peer without the room key is refused with `not-member`.
   */
  private async onStream (stream: Stream, connection: Connection): Promise<void> {
    const remotePeer = connection.remotePeer.toString()
    const lp = frameStream(stream, { maxFrameBytes: MAX_CALL_FRAME_BYTES })
    try {
      const hello = await readHello(lp, AbortSignal.timeout(DEFAULT_TIMEOUT_MS))
      if (hello.t !== 'hello') throw new CallProtocolError('expected a hello, got a refusal')
      const room = this.roomByTopic(hello.topic)
      if (room == null || !await verifyMembershipProof(room.keys, hello.topic + CALL_PROOF_CONTEXT, remotePeer, hello.proof)) {
        log('refused a call stream from %s: no valid membership proof', remotePeer)
        await refuseStream(stream, lp, 'not-member')
        return
      }
      const call = this.calls.get(room.roomId)
      if (call?.active !== true) {
        await refuseStream(stream, lp, 'not-in-call')
        return
      }
      await call.accept(stream, lp, remotePeer, hello)
    } catch (err) {
      const error = toError(err)
      log('rejected a call stream from %s: %s: %s', remotePeer, error.name, error.message)
      stream.abort(error)
    }
  }

  private roomByTopic (topic: string): CallRoom | undefined {
    for (const { roomId } of this.components.rooms.list()) {
      const room = this.components.rooms.get(roomId)
      if (room?.topic === topic) return room
    }
    return undefined
  }

  /**
   * Opens a signaling stream to the peer (see `openStream`: direct
   * connections first, then relayed, connecting to it first if needed).
   */
  private async openStream (peerId: string, signal: AbortSignal): Promise<Stream> {
    return openStream(this.components, peerId, CALL_PROTOCOL, { signal, streamTimeoutMs: STREAM_OPEN_TIMEOUT_MS })
  }

  private emitCalls (): void {
    this.safeDispatchEvent('calls:changed', { detail: this.list() })
  }
}
