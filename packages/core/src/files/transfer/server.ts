/**
 * Serving blocks: one inbound stream per file and peer. Requests are queued
 * in the order they arrive and answered one by one, each write waiting for the
 * stream to drain, so a slow reader slows the server instead of filling its
 * memory; the next block is read from the store while the current one is
 * sent. A block we do not hold is answered MISSING at once.
 *
 * A client that asks for them in OPEN is told which blocks of the file we
 * hold (HAVE): first what we hold when it opens, then each block we store
 * while we download the same file, written before the next answer, so a
 * HAVE for a block always follows a MISSING we sent for it earlier.
 */
import { logger } from '@libp2p/logger'
import { frameStream, readFrame, type FrameStream } from '../../connectivity/frames.js'
import { BlockNotFoundError, BlockProtocolError, BlockStreamIdleError } from '../errors.js'
import { blockFrameHead, decodeFrame, encodeFrame, type BlockFrame } from './codec.js'
import { MAX_BLOCK_FRAME_BYTES, MAX_CIDS_PER_FRAME, MAX_QUEUED_WANTS, SERVER_IDLE_TIMEOUT_MS } from './constants.js'
import type { Throttle } from './throttle.js'
import type { ChunkStore } from '../chunk-store.js'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

const log = logger('peerlink:files')

/** Grace period for closing a stream whose work is done. */
const CLOSE_TIMEOUT_MS = 5_000

const FRAME_ERRORS = {
  tooLarge: (message: string) => new BlockProtocolError(message),
  timedOut: (message: string) => new BlockStreamIdleError(message)
}

/** What we hold of a file, for a client that reads HAVE frames (see Files). */
export interface Holdings {
  /** The blocks held when asked, or 'all'. */
  held: CID[] | 'all'
  /** Stops the calls of `onHave` (the stream ended). */
  stop(): void
}

export interface ServeInit {
  store: Pick<ChunkStore, 'get'>
  /** Noise-authenticated remote peer, for logs and counters. */
  remotePeer: string
  /** The upload rate limit, waited on before each block is sent (none at 0). */
  throttle?: Pick<Throttle, 'take' | 'bytesPerSecond'>
  /**
   * What we hold of `root` now, and each block of it stored from now on
   * (passed to `onHave`); absent, no HAVE is ever sent.
   */
  holdings?(root: CID, onHave: (cids: CID[]) => void): Holdings
  /** Called for every block sent, with the root CID the client named. */
  onServed?(root: CID, cid: CID): void
  /** Aborts when the service stops. */
  signal: AbortSignal
}

/**
 * Answers a client's requests until it closes its side. Never throws: on a
 * protocol error or a timeout it logs and aborts the stream.
 */
export async function serveBlocks (stream: Stream, init: ServeInit): Promise<void> {
  await new BlockServer(stream, init).serve()
}

/** One inbound block stream: a reader of requests and a writer of answers sharing the queue. */
class BlockServer {
  private readonly lp: FrameStream
  /** Requests not answered yet, in order. */
  private readonly queue: CID[] = []
  /** The file the client named in OPEN. */
  private root?: CID
  /** Wakes the writer waiting for a request. */
  private wake?: () => void
  private readerDone = false
  /** The next request's block, read while the current one is sent (unused if that request is cancelled meanwhile). */
  private ahead?: { cid: CID, block: Promise<Uint8Array | undefined> }
  /** HAVE frames to write before the next answer (a client that asked for them). */
  private readonly haves: Array<{ cids: CID[], all?: boolean }> = []
  private holdings?: Holdings
  /** The answer waiting for the upload limit: a CANCEL for its block stops it (nothing of it is sent yet). */
  private waiting?: { key: string, skip: AbortController }

  constructor (private readonly stream: Stream, private readonly init: ServeInit) {
    this.lp = frameStream(stream, { maxFrameBytes: MAX_BLOCK_FRAME_BYTES })
  }

  async serve (): Promise<void> {
    const reading = this.readRequests()
    reading.catch(() => {}) // awaited below
    try {
      await this.answerRequests()
      await reading
      await this.stream.close({ signal: AbortSignal.any([this.init.signal, AbortSignal.timeout(CLOSE_TIMEOUT_MS)]) })
    } catch (err) {
      this.fail(err)
    } finally {
      this.holdings?.stop()
    }
  }

  // reading requests

  /** Reads requests into the queue until the client closes its side. */
  private async readRequests (): Promise<void> {
    try {
      for (let frame = await this.nextFrame(); frame != null; frame = await this.nextFrame()) {
        this.request(frame)
        this.wake?.()
      }
    } catch (err) {
      // stop serving at once: the writer ends and `serve` rethrows this through `reading`
      this.queue.length = 0
      throw err
    } finally {
      this.readerDone = true
      this.wake?.()
    }
  }

  /** The client's next frame; undefined once it closed its side. */
  private async nextFrame (): Promise<BlockFrame | undefined> {
    const signal = AbortSignal.any([this.init.signal, AbortSignal.timeout(SERVER_IDLE_TIMEOUT_MS)])
    try {
      return decodeFrame(await readFrame(this.lp, { signal, what: 'a request', maxFrameBytes: MAX_BLOCK_FRAME_BYTES, errors: FRAME_ERRORS }))
    } catch (err) {
      if ((err as Error).name === 'UnexpectedEOFError') return undefined
      throw err
    }
  }

  private request (frame: BlockFrame): void {
    if (this.root == null) {
      if (frame.type !== 'open') throw new BlockProtocolError('the first frame must be OPEN')
      this.root = frame.root
      if (frame.haves === true) this.announce(frame.root)
    } else if (frame.type === 'want') {
      if (this.queue.length + frame.cids.length > MAX_QUEUED_WANTS) throw new BlockProtocolError(`more than ${MAX_QUEUED_WANTS} requests queued`)
      this.queue.push(...frame.cids)
    } else if (frame.type === 'cancel') {
      this.cancel(frame.cids)
    } else {
      throw new BlockProtocolError(`a client may not send ${frame.type.toUpperCase()}`)
    }
  }

  // announcements

  /** Queues what we hold of `root` now, then every block of it we store until the stream ends. */
  private announce (root: CID): void {
    const holdings = this.holdings = this.init.holdings?.(root, (cids) => {
      this.queueHaves(cids)
      this.wake?.()
    })
    if (holdings == null) return
    if (holdings.held === 'all') this.haves.push({ cids: [], all: true })
    else if (holdings.held.length === 0) this.haves.push({ cids: [] })
    else this.queueHaves(holdings.held)
  }

  private queueHaves (cids: CID[]): void {
    for (let i = 0; i < cids.length; i += MAX_CIDS_PER_FRAME) this.haves.push({ cids: cids.slice(i, i + MAX_CIDS_PER_FRAME) })
  }

  private async writeHaves (): Promise<void> {
    for (let have = this.haves.shift(); have != null; have = this.haves.shift()) {
      await this.lp.write(encodeFrame({ type: 'have', ...have }), { signal: this.init.signal })
    }
  }

  // cancellation

  /**
   * Drops queued requests for these blocks, and the one waiting for the
   * upload limit if it is one of them (one being sent is sent): a seeder
   * with a slow uplink then sends nothing its client got elsewhere meanwhile.
   */
  private cancel (cids: CID[]): void {
    const cancelled = new Set(cids.map(c => c.toString()))
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (cancelled.has(String(this.queue[i]))) this.queue.splice(i, 1)
    }
    if (this.waiting != null && cancelled.has(this.waiting.key)) this.waiting.skip.abort()
  }

  // answering in order, with backpressure

  /** Answers the queue in order until the reader is done and the queue empty. */
  private async answerRequests (): Promise<void> {
    for (let cid = await this.nextRequest(); cid != null; cid = await this.nextRequest()) {
      const block = await (this.ahead?.cid === cid ? this.ahead.block : this.read(cid))
      const next = this.queue[0]
      this.ahead = next == null ? undefined : { cid: next, block: this.read(next) }
      this.ahead?.block.catch(() => {}) // awaited when its turn comes, or dropped
      await this.answer(cid, block)
    }
  }

  /**
   * The next request, waiting for one (and writing the HAVE frames queued
   * meanwhile); undefined once the reader is done and nothing is queued.
   */
  private async nextRequest (): Promise<CID | undefined> {
    while (true) {
      await this.writeHaves()
      const cid = this.queue.shift()
      if (cid != null || this.readerDone) return cid
      await new Promise<void>(resolve => { this.wake = resolve })
      this.wake = undefined
    }
  }

  /** A block we do not hold is undefined. */
  private async read (cid: CID): Promise<Uint8Array | undefined> {
    try {
      return await this.init.store.get(cid, { signal: this.init.signal })
    } catch (err) {
      if (!(err instanceof BlockNotFoundError)) throw err
    }
  }

  private async answer (cid: CID, block: Uint8Array | undefined): Promise<void> {
    const { signal } = this.init
    if (block == null) {
      await this.lp.write(encodeFrame({ type: 'missing', cid }), { signal })
      return
    }
    if (!await this.mayUpload(cid, block.byteLength)) return
    await this.send(blockFrameHead(cid, block.byteLength))
    await this.send(block)
    if (this.root != null) this.init.onServed?.(this.root, cid)
  }

  /** Waits for the upload limit to let `bytes` go; false if the client cancelled the block meanwhile. */
  private async mayUpload (cid: CID, bytes: number): Promise<boolean> {
    const { throttle, signal } = this.init
    if (throttle == null || throttle.bytesPerSecond === 0) return true
    const waiting = this.waiting = { key: cid.toString(), skip: new AbortController() }
    try {
      await throttle.take(bytes, { signal: AbortSignal.any([signal, waiting.skip.signal]) })
      return true
    } catch (err) {
      if (waiting.skip.signal.aborted && !signal.aborted) return false
      throw err
    } finally {
      this.waiting = undefined
    }
  }

  /**
   * Sends bytes, then waits for the stream to drain if it must. A block is
   * sent apart from its frame's head: the stream cuts what it sends into
   * messages and joins (copies) the pieces of each, so a block sent on its
   * own goes out without that 256 KiB copy (which cost as much as the send
   * itself).
   */
  private async send (bytes: Uint8Array): Promise<void> {
    if (!this.stream.send(bytes)) await this.stream.onDrain({ signal: this.init.signal })
  }

  private fail (err: unknown): void {
    // waiting for 'drain' rejects with the stream's 'close' Event when the peer goes away
    const error = err instanceof Error ? err : new Error(err instanceof Event ? `the stream emitted "${err.type}"` : String(err))
    if (this.init.signal.aborted) {
      log('block stream from %s ended by stop', this.init.remotePeer)
    } else if (error.name === 'StreamResetError' || error.name === 'StreamStateError') {
      log('block stream from %s reset by the peer', this.init.remotePeer)
    } else {
      log.error('block stream from %s: %s: %s', this.init.remotePeer, error.name, error.message)
    }
    this.stream.abort(error)
  }
}
