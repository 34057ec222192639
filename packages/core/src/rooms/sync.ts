/**
 * History sync between two members of a room, over one stream of
 * length-prefixed `SyncFrame`s (pb/sync.proto):
 *
 *   client → summary { topic, proof, buckets: [{ bucket, count, digest }…] }
 *   server → diff { buckets }          (buckets where the server has messages the digests disagree on)
 *   client → have { ids }              (what the client holds in those buckets)
 *   server → batch { envelopes }…      (≤ SYNC_BATCH_BYTES each, ≤ MAX_SYNC_MESSAGES in all)
 *   server → done { more }             (more: ask again for the rest)
 *
 * The proof is an HMAC of the client's PeerId with a key derived from the room
 * key: only members get history, and it is only ever ciphertext signed by its
 * authors, which the client verifies before merging.
 */
import { readFrame, type FrameStream } from '../connectivity/frames.js'
import { MESSAGE_ID_BYTES, MAX_SYNC_FRAME_BYTES, MAX_SYNC_LIST, MAX_SYNC_MESSAGES, SYNC_BATCH_BYTES } from './constants.js'
import { fromHex, toHex } from './encoding.js'
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.js'
import { MalformedFrameError, OversizedFrameError, SyncError, SyncRefusedError, SyncTimeoutError } from './errors.js'
import { SyncFrame as WireFrame } from './pb/sync.js'
import type { BucketSummary, History } from './history.js'
import type { AbortOptions } from '@libp2p/interface'

export type SyncFrame =
  | { type: 'summary', topic: string, proof: Uint8Array, buckets: BucketSummary[] }
  | { type: 'diff', buckets: number[] }
  | { type: 'have', ids: string[] }
  | { type: 'batch', envelopes: Envelope[] }
  | { type: 'done', more: boolean }
  | { type: 'error', reason: string }

/** What a room offers the sync protocol. */
export interface SyncRoom {
  topic: string
  log: Pick<History, 'summary' | 'differingBuckets' | 'idsIn' | 'missingFrom'>
}

const MAX_REASON_LENGTH = 200

const errors = {
  tooLarge: (message: string) => new OversizedFrameError(`sync ${message}`),
  timedOut: (message: string) => new SyncTimeoutError(message)
}

/** A frame's `SyncFrame` encoding. */
export function encodeSyncFrame (frame: SyncFrame): Uint8Array {
  switch (frame.type) {
    case 'summary':
      return WireFrame.encode({ summary: { topic: frame.topic, proof: frame.proof as Uint8Array<ArrayBuffer>, buckets: frame.buckets.map(([bucket, count, digest]) => ({ bucket, count, digest: fromHex(digest) })) } })
    case 'diff':
      return WireFrame.encode({ diff: { buckets: frame.buckets } })
    case 'have':
      return WireFrame.encode({ have: { ids: frame.ids.map(fromHex) } })
    case 'batch':
      return WireFrame.encode({ batch: { envelopes: frame.envelopes.map(e => encodeEnvelope(e) as Uint8Array<ArrayBuffer>) } })
    case 'done':
      return WireFrame.encode({ done: { more: frame.more } })
    case 'error':
      return WireFrame.encode({ error: { reason: frame.reason } })
  }
}

/**
 * Parses and validates one frame: at most MAX_SYNC_FRAME_BYTES, at most
 * MAX_SYNC_LIST entries per list, each envelope held to the size and shape a
 * live one is.
 *
 * @throws {MalformedFrameError | OversizedFrameError}
 */
export function decodeSyncFrame (bytes: Uint8Array): SyncFrame {
  if (bytes.byteLength > MAX_SYNC_FRAME_BYTES) throw new OversizedFrameError(`sync frame of ${bytes.byteLength} bytes exceeds ${MAX_SYNC_FRAME_BYTES}`)
  let f: WireFrame
  try {
    f = WireFrame.decode(bytes, {
      limits: {
        summary: { buckets: MAX_SYNC_LIST },
        diff: { buckets: MAX_SYNC_LIST },
        have: { ids: MAX_SYNC_LIST },
        batch: { envelopes: MAX_SYNC_LIST }
      }
    })
  } catch {
    throw new MalformedFrameError('sync frame is not a SyncFrame')
  }
  const isBucket = (b: number): boolean => Number.isSafeInteger(b) && b >= 0
  if (f.summary != null) {
    const { topic, proof, buckets } = f.summary
    if (!buckets.every(b => isBucket(b.bucket) && isBucket(b.count))) throw new MalformedFrameError('malformed sync frame (summary)')
    return { type: 'summary', topic, proof: proof.slice(), buckets: buckets.map(b => [b.bucket, b.count, toHex(b.digest)]) }
  }
  if (f.diff != null) {
    if (!f.diff.buckets.every(isBucket)) throw new MalformedFrameError('malformed sync frame (diff)')
    return { type: 'diff', buckets: f.diff.buckets }
  }
  if (f.have != null) {
    if (!f.have.ids.every(id => id.byteLength === MESSAGE_ID_BYTES)) throw new MalformedFrameError('malformed sync frame (have)')
    return { type: 'have', ids: f.have.ids.map(toHex) }
  }
  if (f.batch != null) return { type: 'batch', envelopes: f.batch.envelopes.map(decodeEnvelope) }
  if (f.done != null) return { type: 'done', more: f.done.more }
  if (f.error != null) return { type: 'error', reason: f.error.reason.slice(0, MAX_REASON_LENGTH) }
  throw new MalformedFrameError('malformed sync frame (no frame)')
}

export async function writeFrame (lp: FrameStream, frame: SyncFrame, options?: AbortOptions): Promise<void> {
  await lp.write(encodeSyncFrame(frame), options)
}

/**
 * Reads and validates one frame.
 *
 * @throws {MalformedFrameError | OversizedFrameError | SyncTimeoutError}
 */
export async function readSyncFrame (lp: FrameStream, what: string, options: AbortOptions = {}): Promise<SyncFrame> {
  return decodeSyncFrame(await readFrame(lp, { signal: options.signal, what, maxFrameBytes: MAX_SYNC_FRAME_BYTES, errors }))
}

async function expect<T extends SyncFrame['type']> (lp: FrameStream, type: T, options?: AbortOptions): Promise<Extract<SyncFrame, { type: T }>> {
  const frame = await readSyncFrame(lp, `the ${type} frame`, options)
  if (frame.type === 'error') throw new SyncRefusedError(`sync refused: ${frame.reason}`)
  if (frame.type !== type) throw new MalformedFrameError(`expected a ${type} frame, got ${frame.type}`)
  return frame as Extract<SyncFrame, { type: T }>
}

/**
 * Client side of one sync round. `ingest` verifies and merges what arrives.
 *
 * @throws {SyncRefusedError} when the server refuses the membership proof
 * @throws {SyncError | MalformedFrameError | OversizedFrameError} when it breaks the protocol
 *
 * @returns how many envelopes arrived and whether the server has more
 */
export async function requestHistory (lp: FrameStream, room: SyncRoom, proof: Uint8Array, ingest: (envelopes: Envelope[]) => Promise<void>, options?: AbortOptions): Promise<{ received: number, more: boolean }> {
  await writeFrame(lp, { type: 'summary', topic: room.topic, proof, buckets: room.log.summary() }, options)
  const diff = await expect(lp, 'diff', options)
  if (diff.buckets.length === 0) return { received: 0, more: false }
  await writeFrame(lp, { type: 'have', ids: room.log.idsIn(diff.buckets).slice(0, MAX_SYNC_LIST) }, options)
  let received = 0
  while (true) {
    const frame = await readSyncFrame(lp, 'history', options)
    if (frame.type === 'batch') {
      received += frame.envelopes.length
      if (received > MAX_SYNC_MESSAGES) throw new SyncError('sync peer sent more messages than allowed')
      await ingest(frame.envelopes)
    } else if (frame.type === 'done') {
      return { received, more: frame.more }
    } else {
      throw new MalformedFrameError(`unexpected ${frame.type} frame in a sync reply`)
    }
  }
}

/**
 * Server side of one sync round. `findRoom` returns the room for a topic when
 * the proof shows the client is a member.
 */
export async function serveHistory (lp: FrameStream, findRoom: (topic: string, proof: Uint8Array) => Promise<SyncRoom | undefined>, options?: AbortOptions): Promise<number> {
  const summary = await expect(lp, 'summary', options)
  const room = await findRoom(summary.topic, summary.proof)
  if (room == null) {
    await writeFrame(lp, { type: 'error', reason: 'not a member of this room' }, options)
    return 0
  }
  const buckets = room.log.differingBuckets(summary.buckets)
  await writeFrame(lp, { type: 'diff', buckets }, options)
  if (buckets.length === 0) return 0
  const have = await expect(lp, 'have', options)
  const missing = room.log.missingFrom(buckets, new Set(have.ids))
  const sending = missing.slice(0, MAX_SYNC_MESSAGES)
  let batch: Envelope[] = []
  let size = 0
  for (const { envelope } of sending) {
    const bytes = encodeEnvelope(envelope).byteLength
    if (batch.length > 0 && size + bytes > SYNC_BATCH_BYTES) {
      await writeFrame(lp, { type: 'batch', envelopes: batch }, options)
      batch = []
      size = 0
    }
    batch.push(envelope)
    size += bytes
  }
  if (batch.length > 0) await writeFrame(lp, { type: 'batch', envelopes: batch }, options)
  await writeFrame(lp, { type: 'done', more: missing.length > sending.length }, options)
  return sending.length
}
