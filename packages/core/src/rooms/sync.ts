/**
 * History sync between two members of a room, over one stream of
 * length-prefixed JSON frames:
 *
 *   client → summary { topic, proof, buckets: [[bucket, count, digest]…] }
 *   server → diff { buckets }          (buckets where the server has messages the digests disagree on)
 *   client → have { ids }              (what the client holds in those buckets)
 *   server → batch { envelopes }…      (≤ SYNC_BATCH_BYTES each, ≤ MAX_SYNC_MESSAGES in all)
 *   server → done { more }             (more: ask again for the rest)
 *
 * The proof is an HMAC of the client's PeerId with a key derived from the room
 * key: only members get history, and it is only ever ciphertext signed by its
 * authors, which the client verifies before merging.
 */
import { MAX_ENVELOPE_BYTES, MAX_SYNC_FRAME_BYTES, MAX_SYNC_LIST, MAX_SYNC_MESSAGES, SYNC_BATCH_BYTES } from './constants.js'
import { utf8 } from './encoding.js'
import { encodeEnvelope, validateEnvelope, type Envelope } from './envelope.js'
import { MalformedFrameError, OversizedFrameError, SyncError, SyncRefusedError } from './errors.js'
import type { BucketSummary, History } from './history.js'
import type { AbortOptions } from '@libp2p/interface'

/** The framing the sync functions need (libp2p's `lpStream` provides it). */
export interface FrameStream {
  read(options?: AbortOptions): Promise<{ subarray(): Uint8Array }>
  write(data: Uint8Array, options?: AbortOptions): Promise<void>
}

export type SyncFrame =
  | { type: 'summary', topic: string, proof: string, buckets: BucketSummary[] }
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

export async function writeFrame (stream: FrameStream, frame: SyncFrame, options?: AbortOptions): Promise<void> {
  await stream.write(utf8.encode(JSON.stringify(frame)), options)
}

/**
 * Reads and validates one frame (at most MAX_SYNC_FRAME_BYTES, whatever the
 * stream's own limit).
 *
 * @throws {MalformedFrameError | OversizedFrameError}
 */
export async function readFrame (stream: FrameStream, options?: AbortOptions): Promise<SyncFrame> {
  const bytes = (await stream.read(options)).subarray()
  if (bytes.byteLength > MAX_SYNC_FRAME_BYTES) throw new OversizedFrameError(`sync frame of ${bytes.byteLength} bytes exceeds ${MAX_SYNC_FRAME_BYTES}`)
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes))
  } catch {
    throw new MalformedFrameError('sync frame is not JSON')
  }
  return validateFrame(value)
}

/** An envelope from a batch, held to the size a live one is (the batch's own bound is larger). */
function withinLimit (envelope: Envelope): Envelope {
  const bytes = encodeEnvelope(envelope).byteLength
  if (bytes > MAX_ENVELOPE_BYTES) throw new OversizedFrameError(`envelope of ${bytes} bytes exceeds ${MAX_ENVELOPE_BYTES}`)
  return envelope
}

function validateFrame (value: unknown): SyncFrame {
  const f = value as Record<string, unknown>
  const list = (x: unknown, check: (item: unknown) => boolean): boolean => Array.isArray(x) && x.length <= MAX_SYNC_LIST && x.every(check)
  const isBucket = (b: unknown): boolean => Number.isSafeInteger(b) && (b as number) >= 0
  switch (f?.type) {
    case 'summary':
      if (typeof f.topic !== 'string' || typeof f.proof !== 'string' ||
        !list(f.buckets, b => Array.isArray(b) && b.length === 3 && isBucket(b[0]) && isBucket(b[1]) && typeof b[2] === 'string')) break
      return f as SyncFrame
    case 'diff':
      if (!list(f.buckets, isBucket)) break
      return f as SyncFrame
    case 'have':
      if (!list(f.ids, id => typeof id === 'string' && /^[0-9a-f]{64}$/.test(id))) break
      return f as SyncFrame
    case 'batch':
      if (!Array.isArray(f.envelopes)) break
      return { type: 'batch', envelopes: f.envelopes.map(e => withinLimit(validateEnvelope(e))) }
    case 'done':
      if (typeof f.more !== 'boolean') break
      return f as SyncFrame
    case 'error':
      if (typeof f.reason !== 'string') break
      return { type: 'error', reason: f.reason.slice(0, 200) }
  }
  throw new MalformedFrameError(`malformed sync frame${typeof f?.type === 'string' ? ` (${f.type.slice(0, 20)})` : ''}`)
}

async function expect<T extends SyncFrame['type']> (stream: FrameStream, type: T, options?: AbortOptions): Promise<Extract<SyncFrame, { type: T }>> {
  const frame = await readFrame(stream, options)
  if (frame.type === 'error') throw new SyncRefusedError(`sync refused: ${frame.reason}`)
  if (frame.type !== type) throw new MalformedFrameError(`expected a ${type} frame, got ${frame.type}`)
  return frame as Extract<SyncFrame, { type: T }>
}

/**
 * Client side of one sync round. `ingest` verifies and merges what arrives.
 *
 * @throws {SyncRefusedError} when the server refuses the membership proof
 * @throws {SyncError | MalformedFrameError} when it breaks the protocol
 *
 * @returns how many envelopes arrived and whether the server has more
 */
export async function requestHistory (stream: FrameStream, room: SyncRoom, proof: string, ingest: (envelopes: Envelope[]) => Promise<void>, options?: AbortOptions): Promise<{ received: number, more: boolean }> {
  await writeFrame(stream, { type: 'summary', topic: room.topic, proof, buckets: room.log.summary() }, options)
  const diff = await expect(stream, 'diff', options)
  if (diff.buckets.length === 0) return { received: 0, more: false }
  await writeFrame(stream, { type: 'have', ids: room.log.idsIn(diff.buckets).slice(0, MAX_SYNC_LIST) }, options)
  let received = 0
  while (true) {
    const frame = await readFrame(stream, options)
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
export async function serveHistory (stream: FrameStream, findRoom: (topic: string, proof: string) => Promise<SyncRoom | undefined>, options?: AbortOptions): Promise<number> {
  const summary = await expect(stream, 'summary', options)
  const room = await findRoom(summary.topic, summary.proof)
  if (room == null) {
    await writeFrame(stream, { type: 'error', reason: 'not a member of this room' }, options)
    return 0
  }
  const buckets = room.log.differingBuckets(summary.buckets)
  await writeFrame(stream, { type: 'diff', buckets }, options)
  if (buckets.length === 0) return 0
  const have = await expect(stream, 'have', options)
  const missing = room.log.missingFrom(buckets, new Set(have.ids))
  const sending = missing.slice(0, MAX_SYNC_MESSAGES)
  let batch: Envelope[] = []
  let size = 0
  for (const { envelope } of sending) {
    const bytes = encodeEnvelope(envelope).byteLength
    if (batch.length > 0 && size + bytes > SYNC_BATCH_BYTES) {
      await writeFrame(stream, { type: 'batch', envelopes: batch }, options)
      batch = []
      size = 0
    }
    batch.push(envelope)
    size += bytes
  }
  if (batch.length > 0) await writeFrame(stream, { type: 'batch', envelopes: batch }, options)
  await writeFrame(stream, { type: 'done', more: missing.length > sending.length }, options)
  return sending.length
}
