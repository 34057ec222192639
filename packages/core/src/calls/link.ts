/**
 * One signaling stream between two participants of a call, after the hello
 * exchange: frames both ways, a keepalive, and a clean end (bye, then close)
 * or an abort with a named error on anything unexpected.
 */
import { logger } from '@libp2p/logger'
import { readFrame, type FrameErrors, type FrameStream } from '../connectivity/frames.js'
import { CALL_HELLO_TIMEOUT_MS, CALL_KEEPALIVE_MS, MAX_CALL_FRAME_BYTES } from './constants.js'
import { decodeCallFrame, encodeCallFrame, type CallFrame } from './codec.js'
import { CallProtocolError, CallTimeoutError, CallTooLargeError } from './errors.js'
import type { Stream } from '@libp2p/interface'

const log = logger('peerlink:calls')

/** Grace period for closing a stream whose work is done. */
const CLOSE_TIMEOUT_MS = 2_000

export type HelloFrame = Extract<CallFrame, { t: 'hello' }>
export type RefuseFrame = Extract<CallFrame, { t: 'refuse' }>
/** Frames the call handles once the link is up. */
export type LinkFrame = Extract<CallFrame, { t: 'sdp' | 'ice' | 'media' }>

export interface LinkHandlers {
  /** A signal or media state from the peer. */
  frame(frame: LinkFrame): void
  /** The link ended: `bye` when the peer said so, `error` when it broke (undefined when we closed it). */
  closed(result: { bye: boolean, error?: Error }): void
}

const FRAME_ERRORS: FrameErrors = {
  tooLarge: message => new CallTooLargeError(message),
  timedOut: message => new CallTimeoutError(message)
}

/**
 * Reads and decodes one frame.
 *
 * @throws {CallTooLargeError | CallMalformedError} for a frame that does not pass `decodeCallFrame`
 * @throws {CallTimeoutError} when `signal` times out first
 */
export async function readCallFrame (lp: FrameStream, signal: AbortSignal, what: string): Promise<CallFrame> {
  return decodeCallFrame(await readFrame(lp, { signal, what, maxFrameBytes: MAX_CALL_FRAME_BYTES, errors: FRAME_ERRORS }))
}

/** Reads the peer's hello (or a refusal, on the dialing side). */
export async function readHello (lp: FrameStream, signal: AbortSignal): Promise<HelloFrame | RefuseFrame> {
  const frame = await readCallFrame(lp, AbortSignal.any([signal, AbortSignal.timeout(CALL_HELLO_TIMEOUT_MS)]), 'the hello')
  if (frame.t !== 'hello' && frame.t !== 'refuse') throw new CallProtocolError(`expected a hello, got a ${frame.t} frame`)
  return frame
}

/** A signaling stream after the hello exchange. */
export class SignalingLink {
  private readonly controller = new AbortController()
  private keepalive?: ReturnType<typeof setInterval>
  private lastWrite = Date.now()
  private ended = false

  constructor (
    readonly stream: Stream,
    private readonly lp: FrameStream,
    readonly remotePeer: string,
    private readonly handlers: LinkHandlers
  ) {}

  get open (): boolean {
    return !this.ended
  }

  /** Starts reading frames and sending keepalives. */
  start (): void {
    this.keepalive = setInterval(() => {
      if (Date.now() - this.lastWrite >= CALL_KEEPALIVE_MS / 2) this.send({ t: 'ping' })
    }, CALL_KEEPALIVE_MS)
    void this.readLoop()
  }

  /**
   * Sends a frame (in order with the ones before it).
   *
   * @returns false when the link is closed or the frame could not be sent (the link is then aborted)
   */
  send (frame: CallFrame): boolean {
    if (this.ended) return false
    let bytes: Uint8Array
    try {
      bytes = encodeCallFrame(frame)
    } catch (err) {
      // ours to fix, not the link's fault: say so and keep the link
      log.error('not sending a %s frame to %s: %e', frame.t, this.remotePeer, err)
      return false
    }
    this.lastWrite = Date.now()
    // the stream queues the bytes synchronously, so frames keep their order
    this.lp.write(bytes, { signal: this.controller.signal }).catch(err => { this.fail(toError(err)) })
    return this.stream.status === 'open'
  }

  /** Says bye and closes the stream (the peer closes its side when it reads the bye). */
  async bye (): Promise<void> {
    if (this.ended) return
    this.send({ t: 'bye' })
    await this.close()
  }

  /** Closes the stream without a bye (the peer keeps us and waits for a new stream). */
  async close (): Promise<void> {
    if (this.ended) return
    this.finish()
    try {
      await this.stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
    } catch (err) {
      this.stream.abort(toError(err))
    }
    this.handlers.closed({ bye: false })
  }

  /** Aborts the stream with `error` (a protocol violation, a dead peer). */
  fail (error: Error): void {
    if (this.ended) return
    this.finish()
    this.stream.abort(error)
    this.handlers.closed({ bye: false, error })
  }

  private finish (): void {
    this.ended = true
    clearInterval(this.keepalive)
    this.controller.abort()
  }

  private async readLoop (): Promise<void> {
    try {
      while (!this.ended) {
        let frame: CallFrame
        try {
          frame = await readCallFrame(this.lp, this.controller.signal, 'a frame')
        } catch (err) {
          if (this.ended) return
          // the peer closed its side between two frames: it went away without a bye
          if ((err as Error).name === 'UnexpectedEOFError') throw new CallProtocolError('the stream ended without a bye')
          throw err
        }
        switch (frame.t) {
          case 'ping':
            break
          case 'bye':
            this.finish()
            try {
              await this.stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
            } catch (err) {
              this.stream.abort(toError(err))
            }
            this.handlers.closed({ bye: true })
            return
          case 'hello':
          case 'refuse':
            throw new CallProtocolError(`unexpected ${frame.t} frame after the hello`)
          default:
            this.handlers.frame(frame)
        }
      }
    } catch (err) {
      const error = toError(err)
      if (error.name === 'StreamResetError' || error.name === 'CallProtocolError') {
        log('signaling stream with %s ended: %s', this.remotePeer, error.message)
      } else {
        log.error('signaling stream with %s failed: %s: %s', this.remotePeer, error.name, error.message)
      }
      this.fail(error)
    }
  }
}

export function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
