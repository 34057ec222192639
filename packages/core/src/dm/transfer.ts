/**
 * The DM protocol on one stream. The dialer sends sealed messages one at a
 * time and waits for each one's ack; the listener opens each, hands it to be
 * stored, then acks. Either side aborts the stream with a named error on
 * anything unexpected; nothing here throws past its caller's catch.
 */
import { logger } from '@libp2p/logger'
import { frameStream, readFrame, type FrameErrors, type FrameStream } from '../connectivity/frames.js'
import { decodeFrame, encodeFrame } from './codec.js'
import { DM_ACK_TIMEOUT_MS, DM_IDLE_TIMEOUT_MS, MAX_DM_FRAME_BYTES } from './constants.js'
import { DmProtocolError, DmTimeoutError, DmTooLargeError } from './errors.js'
import { openMessage, type OpenedMessage } from './seal.js'
import type { DmRecord } from './store.js'
import type { PrivateKey, Stream } from '@libp2p/interface'

const log = logger('peerlink:dm')

/** Grace period for closing a stream whose work is done. */
const CLOSE_TIMEOUT_MS = 5_000

const FRAME_ERRORS: FrameErrors = {
  tooLarge: message => new DmTooLargeError(message),
  timedOut: message => new DmTimeoutError(message)
}

export interface SendInit {
  /** The next queued message to send on this stream, or undefined when done. */
  next(): DmRecord | undefined
  /** Called once the peer acked `record`; must take it out of what `next` returns. */
  acked(record: DmRecord): Promise<void>
  signal: AbortSignal
}

/**
 * Sends queued messages over an outbound DM stream until none is left, then
 * closes it.
 *
 * @throws {DmProtocolError | DmTimeoutError | DmTooLargeError | DmMalformedError} or a stream error; the stream is aborted first
 */
export async function sendMessages (stream: Stream, init: SendInit): Promise<void> {
  const lp = frameStream(stream, { maxFrameBytes: MAX_DM_FRAME_BYTES })
  const sent = new Set<string>()
  try {
    for (let record = init.next(); record != null; record = init.next()) {
      const { id } = record.message
      if (record.sealed == null) throw new DmProtocolError(`queued message ${id} has no sealed copy`)
      // acked() removes the record, so seeing it twice means something is wrong: stop rather than loop
      if (sent.has(id)) throw new DmProtocolError(`message ${id} is still queued after its ack`)
      sent.add(id)
      const signal = AbortSignal.any([init.signal, AbortSignal.timeout(DM_ACK_TIMEOUT_MS)])
      await lp.write(encodeFrame({ type: 'message', message: record.sealed }), { signal })
      const reply = decodeFrame(await read(lp, signal, 'the ack'))
      if (reply.type !== 'ack') throw new DmProtocolError('expected an ack, got a message')
      if (reply.id !== id) throw new DmProtocolError(`expected the ack of ${id}, got one of ${reply.id}`)
      await init.acked(record)
    }
    await stream.close({ signal: AbortSignal.any([init.signal, AbortSignal.timeout(CLOSE_TIMEOUT_MS)]) })
  } catch (err) {
    stream.abort(toError(err))
    throw err
  }
}

export interface ReceiveInit {
  privateKey: PrivateKey
  /** Noise-authenticated remote peer of the stream: every message must be from it. */
  remotePeer: string
  /** Stores an opened message (or finds it already stored); the ack follows once it resolves. */
  accept(message: OpenedMessage, signal: AbortSignal): Promise<void>
  /** Aborts when the service stops. */
  signal: AbortSignal
}

/**
 * Serves an inbound DM stream: reads, checks and acks messages until the
 * dialer closes its side. Never throws: on a bad frame, a message that does
 * not check out or a timeout, it logs and aborts the stream.
 */
export async function receiveMessages (stream: Stream, init: ReceiveInit): Promise<void> {
  const lp = frameStream(stream, { maxFrameBytes: MAX_DM_FRAME_BYTES })
  try {
    while (true) {
      const signal = AbortSignal.any([init.signal, AbortSignal.timeout(DM_IDLE_TIMEOUT_MS)])
      let bytes: Uint8Array
      try {
        bytes = await read(lp, signal, 'a message')
      } catch (err) {
        // the dialer closed its side between two frames (or mid-frame: that message simply is not acked)
        if ((err as Error).name === 'UnexpectedEOFError') break
        throw err
      }
      const frame = decodeFrame(bytes)
      if (frame.type !== 'message') throw new DmProtocolError('expected a message, got an ack')
      const message = await openMessage(frame.message, init.privateKey, { expectedSender: init.remotePeer, signal })
      await init.accept(message, signal)
      await lp.write(encodeFrame({ type: 'ack', id: message.id }), { signal })
    }
    await stream.close({ signal: AbortSignal.any([init.signal, AbortSignal.timeout(CLOSE_TIMEOUT_MS)]) })
  } catch (err) {
    const error = toError(err)
    if (init.signal.aborted) {
      log('DM stream from %s ended by stop', init.remotePeer)
    } else if (error.name === 'StreamResetError') {
      log('DM stream from %s reset by the peer', init.remotePeer)
    } else {
      log.error('rejected DM stream from %s: %s: %s', init.remotePeer, error.name, error.message)
    }
    stream.abort(error)
  }
}

/** Reads one frame, with the DM errors for an oversized one or a timeout. */
async function read (lp: FrameStream, signal: AbortSignal, what: string): Promise<Uint8Array> {
  return readFrame(lp, { signal, what, maxFrameBytes: MAX_DM_FRAME_BYTES, errors: FRAME_ERRORS })
}

function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
