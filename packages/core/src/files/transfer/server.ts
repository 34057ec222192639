/**
 * Serving blocks: one inbound stream per file and peer. Requests are queued
 * in the order they arrive and answered one by one, each write waiting for the
 * stream to drain (lpStream honours backpressure), so a slow reader slows the
 * server instead of filling its memory; the next block is read from the store
 * while the current one is sent. A block we do not hold is answered MISSING
 * at once.
 */
import { logger } from '@libp2p/logger'
import { lpStream } from '@libp2p/utils'
import { BlockNotFoundError, BlockProtocolError } from '../errors.js'
import { blockFrameHead, decodeFrame, encodeFrame } from './codec.js'
import { MAX_BLOCK_FRAME_BYTES, MAX_QUEUED_WANTS, SERVER_IDLE_TIMEOUT_MS } from './constants.js'
import type { Throttle } from './throttle.js'
import type { ChunkStore } from '../chunk-store.js'
import type { Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { Uint8ArrayList } from 'uint8arraylist'

const log = logger('peerlink:files')

/** Grace period for closing a stream whose work is done. */
const CLOSE_TIMEOUT_MS = 5_000

export interface ServeInit {
  store: Pick<ChunkStore, 'get'>
  /** Noise-authenticated remote peer, for logs and counters. */
  remotePeer: string
  /** The upload rate limit, waited on before each block is sent. */
  throttle?: Pick<Throttle, 'take'>
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
  const lp = lpStream(stream, { maxDataLength: MAX_BLOCK_FRAME_BYTES })
  const queue: CID[] = []
  let wake: (() => void) | undefined
  let readerDone = false
  let root: CID | undefined

  const reader = (async () => {
    try {
      while (true) {
        const signal = AbortSignal.any([init.signal, AbortSignal.timeout(SERVER_IDLE_TIMEOUT_MS)])
        let bytes: Uint8ArrayList
        try {
          bytes = await lp.read({ signal })
        } catch (err) {
          if ((err as Error).name === 'UnexpectedEOFError') return
          throw tooLarge(err)
        }
        const frame = decodeFrame(bytes)
        if (root == null) {
          if (frame.type !== 'open') throw new BlockProtocolError('the first frame must be OPEN')
          root = frame.root
          continue
        }
        if (frame.type === 'want') {
          if (queue.length + frame.cids.length > MAX_QUEUED_WANTS) throw new BlockProtocolError(`more than ${MAX_QUEUED_WANTS} requests queued`)
          queue.push(...frame.cids)
        } else if (frame.type === 'cancel') {
          const cancelled = new Set(frame.cids.map(c => c.toString()))
          for (let i = queue.length - 1; i >= 0; i--) {
            if (cancelled.has(String(queue[i]))) queue.splice(i, 1)
          }
        } else {
          throw new BlockProtocolError(`a client may not send ${frame.type.toUpperCase()}`)
        }
        wake?.()
      }
    } catch (err) {
      // stop serving at once: the writer loop ends and rethrows this through `await reader`
      queue.length = 0
      throw err
    } finally {
      readerDone = true
      wake?.()
    }
  })()
  reader.catch(() => {}) // awaited below

  /** A block we do not hold is undefined. */
  const read = async (cid: CID): Promise<Uint8Array | undefined> => {
    try {
      return await init.store.get(cid, { signal: init.signal })
    } catch (err) {
      if (!(err instanceof BlockNotFoundError)) throw err
    }
  }
  /** The next request's block, read while the current one is sent (unused if that request is cancelled meanwhile). */
  let ahead: { cid: CID, block: Promise<Uint8Array | undefined> } | undefined

  try {
    while (true) {
      const cid = queue.shift()
      if (cid == null) {
        if (readerDone) break
        await new Promise<void>(resolve => { wake = resolve })
        wake = undefined
        continue
      }
      const block = await (ahead?.cid === cid ? ahead.block : read(cid))
      const next = queue[0]
      ahead = next == null ? undefined : { cid: next, block: read(next) }
      ahead?.block.catch(() => {}) // awaited when its turn comes, or dropped
      if (block == null) {
        await lp.write(encodeFrame({ type: 'missing', cid }), { signal: init.signal })
      } else {
        await init.throttle?.take(block.byteLength, { signal: init.signal })
        await send(stream, blockFrameHead(cid, block.byteLength), init.signal)
        await send(stream, block, init.signal)
        if (root != null) init.onServed?.(root, cid)
      }
    }
    await reader
    await stream.close({ signal: AbortSignal.any([init.signal, AbortSignal.timeout(CLOSE_TIMEOUT_MS)]) })
  } catch (err) {
    // waiting for 'drain' rejects with the stream's 'close' Event when the peer goes away
    const error = err instanceof Error ? err : new Error(err instanceof Event ? `the stream emitted "${err.type}"` : String(err))
    if (init.signal.aborted) {
      log('block stream from %s ended by stop', init.remotePeer)
    } else if (error.name === 'StreamResetError' || error.name === 'StreamStateError') {
      log('block stream from %s reset by the peer', init.remotePeer)
    } else {
      log.error('block stream from %s: %s: %s', init.remotePeer, error.name, error.message)
    }
    stream.abort(error)
  }
}

/**
 * Sends bytes, then waits for the stream to drain if it must. A block is sent
 * apart from its frame's head: the stream cuts what it sends into messages
 * and joins (copies) the pieces of each, so a block sent on its own goes out
 * without that 256 KiB copy (which cost as much as the send itself).
 */
async function send (stream: Stream, bytes: Uint8Array, signal: AbortSignal): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain({ signal })
}

function tooLarge (err: unknown): unknown {
  const name = (err as Error).name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new BlockProtocolError(`frame longer than ${MAX_BLOCK_FRAME_BYTES} bytes`)
  }
  return err
}
