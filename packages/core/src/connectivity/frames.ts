/**
 * Length-prefixed frames on a libp2p stream: the one reader every Peerlink
 * protocol uses. It bounds each frame (libp2p's `lpStream` refuses a longer
 * length prefix before reading the body) and turns the stream's own errors for
 * an oversized length or an expired timeout into the protocol's named errors.
 */
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import type { AbortOptions, Stream } from '@libp2p/interface'

export type FrameStream = LengthPrefixedStream<Stream>

export interface FrameStreamInit {
  /** Longest frame accepted, bytes (the length prefix is checked before the body is read). */
  maxFrameBytes: number
  /** Most bytes buffered unread (libp2p's default when absent). */
  maxBufferBytes?: number
}

/** A length-prefixed view of `stream`, bounded by `maxFrameBytes`. */
export function frameStream (stream: Stream, init: FrameStreamInit): FrameStream {
  return lpStream(stream, {
    maxDataLength: init.maxFrameBytes,
    ...(init.maxBufferBytes == null ? {} : { maxBufferSize: init.maxBufferBytes })
  })
}

/** How a protocol names the two failures every frame read can have. */
export interface FrameErrors {
  /** The peer announced a frame longer than the protocol allows. */
  tooLarge(message: string): Error
  /** The read's signal timed out (`what` names what was awaited). */
  timedOut(message: string): Error
}

export interface ReadFrameOptions extends AbortOptions {
  /** What is awaited, for the timeout's message ("the ack"). */
  what: string
  /** The bound the stream was made with, for the too-large message. */
  maxFrameBytes: number
  errors: FrameErrors
}

/** True for the errors `lpStream` throws on a length prefix over its bound (or an unreadable one). */
export function isFrameLengthError (err: unknown): boolean {
  const name = (err as Error | undefined)?.name
  return name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError'
}

/**
 * Reads one frame's bytes.
 *
 * @throws the protocol's too-large or timed-out error, or the stream's own error
 */
export async function readFrame (lp: FrameStream, options: ReadFrameOptions): Promise<Uint8Array> {
  const { signal } = options
  try {
    return (await lp.read({ signal })).subarray()
  } catch (err) {
    if (isFrameLengthError(err)) throw options.errors.tooLarge(`frame longer than ${options.maxFrameBytes} bytes`)
    if (signal?.aborted === true && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
      throw options.errors.timedOut(`timed out waiting for ${options.what}`)
    }
    throw err
  }
}
