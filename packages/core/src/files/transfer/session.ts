/**
 * The client side of the block protocol: one outbound stream to one provider
 * for one file. Requests are written in order (one frame at a time, each
 * waiting for the stream to drain); answers are read in a loop and handed to
 * the download, which awaits each one it cannot keep up with, so a fast
 * provider cannot fill our memory either. OPEN asks the provider to announce
 * the blocks it holds (HAVE), which a provider that downloads the same file
 * does as it stores them; one that does not know HAVE ignores the request.
 */
import { logger } from '@libp2p/logger'
import { frameStream, isFrameLengthError, type FrameStream } from '../../connectivity/frames.js'
import { BlockProtocolError } from '../errors.js'
import { decodeFrame, encodeFrame } from './codec.js'
import { BLOCK_SIZE } from '../constants.js'
import { MAX_BLOCK_FRAME_BYTES, MAX_CIDS_PER_FRAME, MAX_WINDOW } from './constants.js'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

const log = logger('peerlink:files')

const CLOSE_TIMEOUT_MS = 5_000

/**
 * Bytes received and not read yet that a session holds before it gives up on
 * the stream: every block of a full window (the stream's own default, 4 MiB,
 * is 16 leaves, and while stores are slow we read no further). A provider
 * sends only what we asked for; one that sends more overflows this.
 */
const MAX_UNREAD_BYTES = MAX_WINDOW * (BLOCK_SIZE + 256) + MAX_BLOCK_FRAME_BYTES

export interface SessionHandlers {
  /** A block we asked this provider for; awaited before the next frame is read. */
  onBlock(cid: CID, bytes: Uint8Array): Promise<void>
  /** A buffer for a block of `length` bytes (see BufferPool); a buffer of its own if not given. */
  alloc?(length: number): Uint8Array
  /** The provider does not hold a block we asked for. */
  onMissing(cid: CID): void
  /** The provider holds these blocks (or, with `all`, the whole file). */
  onHave(cids: CID[], all: boolean): void
  /** The session ended: `err` unless it was closed by us. */
  onEnd(err?: Error): void
}

export class BlockSession {
  private readonly lp: FrameStream
  /**
   * Blocks asked for and not yet answered, with how many times (a block
   * cancelled and asked for again may come twice); a block not in here is a
   * protocol error.
   */
  private readonly asked = new Map<string, number>()
  private writing: Promise<void> = Promise.resolve()
  private ended = false

  private constructor (readonly peer: string, private readonly stream: Stream, private readonly handlers: SessionHandlers, private readonly signal: AbortSignal) {
    this.lp = frameStream(stream, { maxFrameBytes: MAX_BLOCK_FRAME_BYTES, maxBufferBytes: MAX_UNREAD_BYTES })
  }

  /** Starts a session on an open stream: sends OPEN and starts reading. */
  static start (peer: string, stream: Stream, root: CID, handlers: SessionHandlers, signal: AbortSignal): BlockSession {
    const session = new BlockSession(peer, stream, handlers, signal)
    session.write({ type: 'open', root, haves: true })
    void session.read()
    return session
  }

  get closed (): boolean {
    return this.ended
  }

  /** Asks for blocks (answered in this order). */
  want (cids: CID[]): void {
    if (cids.length === 0 || this.ended) return
    for (const cid of cids) this.asked.set(cid.toString(), (this.asked.get(cid.toString()) ?? 0) + 1)
    for (let i = 0; i < cids.length; i += MAX_CIDS_PER_FRAME) {
      this.write({ type: 'want', cids: cids.slice(i, i + MAX_CIDS_PER_FRAME) })
    }
  }

  /** No longer wants these blocks (a copy came from elsewhere). */
  cancel (cids: CID[]): void {
    if (cids.length === 0 || this.ended) return
    // a block cancelled too late may still come: it stays allowed
    this.write({ type: 'cancel', cids: cids.slice(0, MAX_CIDS_PER_FRAME) })
  }

  /** Ends the session cleanly (nothing more is wanted). */
  async close (): Promise<void> {
    if (this.ended) return
    this.ended = true
    try {
      await this.writing
      await this.stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
    } catch (err) {
      this.stream.abort(err as Error)
    }
    this.handlers.onEnd()
  }

  /** Ends the session on an error (a corrupt block, a protocol violation, a stop). */
  abort (err: Error): void {
    if (this.ended) return
    this.ended = true
    this.stream.abort(err)
    this.handlers.onEnd(err)
  }

  private write (frame: Parameters<typeof encodeFrame>[0]): void {
    const bytes = encodeFrame(frame)
    this.writing = this.writing
      .then(async () => {
        if (!this.ended) await this.lp.write(bytes, { signal: this.signal })
      })
      .catch(err => { this.abort(err as Error) })
  }

  private async read (): Promise<void> {
    try {
      while (!this.ended) {
        const frame = decodeFrame(await this.readList(), this.handlers.alloc?.bind(this.handlers))
        if (frame.type === 'have') {
          this.handlers.onHave(frame.cids, frame.all === true)
          continue
        }
        if (frame.type !== 'block' && frame.type !== 'missing') throw new BlockProtocolError(`a server may not send ${frame.type.toUpperCase()}`)
        const key = frame.cid.toString()
        const times = this.asked.get(key) ?? 0
        if (times === 0) throw new BlockProtocolError(`${this.peer} sent block ${key}, which was not asked for`)
        if (times === 1) this.asked.delete(key)
        else this.asked.set(key, times - 1)
        if (frame.type === 'missing') this.handlers.onMissing(frame.cid)
        else await this.handlers.onBlock(frame.cid, frame.bytes)
      }
    } catch (err) {
      if (this.ended) return
      log('block session with %s: %e', this.peer, err)
      this.abort(err as Error)
    }
  }

  /**
   * The next frame as the stream's messages it came in, not joined (see
   * decodeFrame: a block is copied once, into a buffer used again): the
   * list that `readFrame` (connectivity/frames.ts) would join, with its
   * errors.
   */
  private async readList (): Promise<Uint8ArrayList> {
    try {
      return await this.lp.read({ signal: this.signal })
    } catch (err) {
      if (isFrameLengthError(err)) throw new BlockProtocolError(`frame longer than ${MAX_BLOCK_FRAME_BYTES} bytes`)
      throw err
    }
  }
}
