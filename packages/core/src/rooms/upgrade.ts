/**
 * Loading a room's stored history, including what the earlier JSON format
 * (room-sync 1.0.0) stored: envelopes whose IV, ciphertext and signature were
 * base64url text. Such a message is converted to a version 1 envelope (the
 * same bytes under the same signature construction, see `signedBytes`) when
 * its signature still verifies, and kept under its new id; a stored record
 * that neither loads nor converts is dropped with a log line. Nothing stored
 * makes loading fail.
 */
import { logger } from '@libp2p/logger'
import { JSON_PAYLOAD_ENVELOPE_VERSION, MAX_ENVELOPE_BYTES } from './constants.js'
import { verifySignature } from './crypto.js'
import { fromBase64url } from './encoding.js'
import { encodeEnvelope, envelopeId, validateEnvelope, type Envelope } from './envelope.js'
import type { RoomStore, StoredMessage, StoredRecord } from './store.js'
import type { ChatMessage } from './types.js'

const log = logger('peerlink:rooms')

/** A stored envelope of the JSON format. */
interface JsonEnvelope {
  v: 1
  t: string
  a: string
  h: [number, number]
  n: string
  c: string
  s: string
}

/**
 * A room's stored messages, those of the JSON format converted (and stored
 * again under their new ids), those that do not load dropped.
 */
export async function loadHistory (store: Pick<RoomStore, 'messages' | 'putMessages' | 'removeMessages'>, roomId: string): Promise<StoredRecord[]> {
  const loaded: StoredRecord[] = []
  const converted: StoredMessage[] = []
  const stale: string[] = []
  let dropped = 0
  for (const record of await store.messages(roomId) as unknown[]) {
    if (isCurrent(record)) {
      loaded.push(record)
      continue
    }
    const id = (record as { id?: unknown } | undefined)?.id
    if (typeof id === 'string') stale.push(id)
    const upgraded = await fromJsonFormat(record)
    if (upgraded == null) dropped++
    else converted.push(upgraded)
  }
  if (converted.length > 0) await store.putMessages(roomId, converted)
  if (stale.length > 0) await store.removeMessages(roomId, stale)
  if (converted.length > 0 || dropped > 0) log('stored history of room %s: %d messages converted from the JSON format, %d dropped (they do not verify)', roomId, converted.length, dropped)
  return [...loaded, ...converted]
}

/**
 * A record of the current format: a chat message with its envelope (or
 * without, once deleted), or a reaction, edit, deletion or naming with its
 * envelope.
 */
function isCurrent (record: unknown): record is StoredRecord {
  const r = record as { id?: unknown, envelope?: Partial<Envelope>, message?: unknown, action?: { k?: unknown } } | undefined
  const e = r?.envelope
  if (typeof r?.id !== 'string') return false
  if (r.action != null ? typeof r.action.k !== 'string' : !isMessage(r.message)) return false
  if (e == null) return r.action == null && (r.message as ChatMessage).deleted === true
  if (!(e.iv instanceof Uint8Array && e.ciphertext instanceof Uint8Array && e.signature instanceof Uint8Array)) return false
  try {
    validateEnvelope(e as Envelope)
    return true
  } catch {
    return false
  }
}

function isMessage (value: unknown): value is ChatMessage {
  const m = value as Partial<ChatMessage> | undefined
  return typeof m === 'object' && m != null && typeof m.author === 'string' && typeof m.text === 'string' &&
    typeof m.hlc === 'object' && m.hlc != null && typeof m.hlc.wall === 'number' && typeof m.hlc.counter === 'number'
}

async function fromJsonFormat (record: unknown): Promise<StoredMessage | undefined> {
  const r = record as { envelope?: Partial<JsonEnvelope>, message?: unknown } | undefined
  const e = r?.envelope
  if (e?.v !== 1 || !isMessage(r?.message) || !Array.isArray(e.h)) return undefined
  const bytes = (text: unknown): Uint8Array<ArrayBuffer> | undefined => typeof text === 'string' ? fromBase64url(text) as Uint8Array<ArrayBuffer> | undefined : undefined
  const iv = bytes(e.n)
  const ciphertext = bytes(e.c)
  const signature = bytes(e.s)
  if (typeof e.t !== 'string' || typeof e.a !== 'string' || iv == null || ciphertext == null || signature == null) return undefined
  let envelope: Envelope
  try {
    envelope = validateEnvelope({ version: JSON_PAYLOAD_ENVELOPE_VERSION, topic: e.t, author: e.a, wall: e.h[0], counter: e.h[1], iv, ciphertext, signature })
    if (encodeEnvelope(envelope).byteLength > MAX_ENVELOPE_BYTES) return undefined
    await verifySignature(envelope)
  } catch {
    return undefined
  }
  const id = envelopeId(envelope)
  return { id, envelope, message: { ...r.message, id, hlc: { wall: envelope.wall, counter: envelope.counter } } }
}
