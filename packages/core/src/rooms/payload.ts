/**
 * What a room envelope carries once decrypted: a chat message, a presence or
 * read receipts. Envelopes of version 2 carry a `RoomPayload`
 * (pb/payload.proto); envelopes of version 1, converted from history stored
 * by the earlier JSON format, carry that format's JSON object.
 */
import { CID } from 'multiformats/cid'
import { JSON_PAYLOAD_ENVELOPE_VERSION, MESSAGE_ID_BYTES, MAX_FILE_NAME_BYTES, MAX_FILE_TYPE_LENGTH, MAX_NAME_LENGTH, MAX_RECEIPT_IDS, MAX_TEXT_BYTES } from './constants.js'
import { fromBase64url, fromHex, toBase64url, toHex, utf8 } from './encoding.js'
import { MalformedFrameError } from './errors.js'
import { MemberState as WireState, RoomPayload, type FileAttachment as WireAttachment } from './pb/payload.js'
import type { FileAttachment, MemberState } from './types.js'

export type Payload =
  | { k: 'chat', text: string, name: string, file?: FileAttachment }
  | { k: 'presence', name: string, state: MemberState, call?: boolean }
  | { k: 'receipt', ids: string[] }

const MESSAGE_ID = /^[0-9a-f]{64}$/
const FILE_KEY_BYTES = 32

const TO_WIRE: Record<MemberState, WireState> = { online: WireState.ONLINE, away: WireState.AWAY, offline: WireState.OFFLINE }
const FROM_WIRE: Partial<Record<WireState, MemberState>> = { [WireState.ONLINE]: 'online', [WireState.AWAY]: 'away', [WireState.OFFLINE]: 'offline' }

/** A payload's `RoomPayload` encoding (the plaintext of a version 2 envelope). */
export function encodePayload (payload: Payload): Uint8Array {
  switch (payload.k) {
    case 'chat':
      return RoomPayload.encode({ chat: { text: payload.text, name: payload.name, ...(payload.file == null ? {} : { file: attachmentToWire(payload.file) }) } })
    case 'presence':
      return RoomPayload.encode({ presence: { name: payload.name, state: TO_WIRE[payload.state], call: payload.call === true } })
    case 'receipt':
      return RoomPayload.encode({ receipt: { ids: payload.ids.map(fromHex) } })
  }
}

/**
 * Parses and validates a decrypted payload, in the format `version` says.
 *
 * @throws {MalformedFrameError}
 */
export function decodePayload (bytes: Uint8Array, version: number): Payload {
  return version === JSON_PAYLOAD_ENVELOPE_VERSION ? decodeJsonPayload(bytes) : decodeWirePayload(bytes)
}

function decodeWirePayload (bytes: Uint8Array): Payload {
  let p: RoomPayload
  try {
    p = RoomPayload.decode(bytes, { limits: { receipt: { ids: MAX_RECEIPT_IDS } } })
  } catch {
    throw new MalformedFrameError('payload is not a RoomPayload')
  }
  if (p.chat != null) {
    const { text, name, file } = p.chat
    return chat(text, checkName(name), file == null ? undefined : attachmentFromWire(file))
  }
  if (p.presence != null) {
    const state = FROM_WIRE[p.presence.state]
    if (state == null) throw new MalformedFrameError('bad state')
    return presence(checkName(p.presence.name), state, p.presence.call)
  }
  if (p.receipt != null) {
    if (!p.receipt.ids.every(id => id.byteLength === MESSAGE_ID_BYTES)) throw new MalformedFrameError('bad receipt')
    return { k: 'receipt', ids: p.receipt.ids.map(toHex) }
  }
  throw new MalformedFrameError('unknown payload kind')
}

/** The JSON payload of the earlier format: `{ k: 'chat' | 'presence' | 'receipt', … }`. */
function decodeJsonPayload (bytes: Uint8Array): Payload {
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(bytes))
  } catch {
    throw new MalformedFrameError('payload is not JSON')
  }
  const p = value as Record<string, unknown>
  const name = (): string => {
    if (typeof p.name !== 'string') throw new MalformedFrameError('bad name')
    return checkName(p.name)
  }
  switch (p?.k) {
    case 'chat': {
      const file = p.file == null ? undefined : parseAttachment(p.file)
      if (typeof p.text !== 'string') throw new MalformedFrameError('bad text')
      return chat(p.text, name(), file)
    }
    case 'presence':
      if (p.state !== 'online' && p.state !== 'away' && p.state !== 'offline') throw new MalformedFrameError('bad state')
      if (p.call !== undefined && typeof p.call !== 'boolean') throw new MalformedFrameError('bad call flag')
      return presence(name(), p.state, p.call === true)
    case 'receipt':
      if (!Array.isArray(p.ids) || p.ids.length > MAX_RECEIPT_IDS || !p.ids.every(id => typeof id === 'string' && MESSAGE_ID.test(id))) throw new MalformedFrameError('bad receipt')
      return { k: 'receipt', ids: p.ids as string[] }
    default:
      throw new MalformedFrameError('unknown payload kind')
  }
}

function checkName (name: string): string {
  if (name.length > MAX_NAME_LENGTH) throw new MalformedFrameError('bad name')
  return name
}

function chat (text: string, name: string, file: FileAttachment | undefined): Payload {
  if ((text === '' && file == null) || utf8.encode(text).byteLength > MAX_TEXT_BYTES) throw new MalformedFrameError('bad text')
  return file == null ? { k: 'chat', text, name } : { k: 'chat', text, name, file }
}

function presence (name: string, state: MemberState, call: boolean): Payload {
  return call ? { k: 'presence', name, state, call: true } : { k: 'presence', name, state }
}

/**
 * Checks a file attachment's shape (the file layer checks the CID and key
 * themselves when the file is fetched).
 *
 * @throws {MalformedFrameError}
 */
export function parseAttachment (value: unknown): FileAttachment {
  const f = value as Record<string, unknown>
  if (typeof f !== 'object' || f == null || Array.isArray(f)) throw new MalformedFrameError('bad file')
  if (typeof f.cid !== 'string' || !/^b[a-z2-7]{40,120}$/.test(f.cid) || !isCanonicalCid(f.cid)) throw new MalformedFrameError('bad file CID')
  // 43 characters can still carry bits past the key's 32 bytes: such a key is not the canonical text of any key
  if (typeof f.key !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(f.key) || fromBase64url(f.key)?.byteLength !== FILE_KEY_BYTES) throw new MalformedFrameError('bad file key')
  if (typeof f.name !== 'string' || f.name === '' || utf8.encode(f.name).byteLength > MAX_FILE_NAME_BYTES) throw new MalformedFrameError('bad file name')
  if (typeof f.size !== 'number' || !Number.isSafeInteger(f.size) || f.size < 0) throw new MalformedFrameError('bad file size')
  if (typeof f.type !== 'string' || f.type.length > MAX_FILE_TYPE_LENGTH) throw new MalformedFrameError('bad file type')
  return { cid: f.cid, key: f.key, name: f.name, size: f.size, type: f.type }
}

/** A CID that parses and prints back as the same text (so it crosses the wire as bytes unchanged). */
function isCanonicalCid (text: string): boolean {
  try {
    return CID.parse(text).toString() === text
  } catch {
    return false
  }
}

function attachmentToWire (file: FileAttachment): WireAttachment {
  return { cid: CID.parse(file.cid).bytes as Uint8Array<ArrayBuffer>, key: fromBase64url(file.key) as Uint8Array<ArrayBuffer>, name: file.name, size: file.size, type: file.type }
}

function attachmentFromWire (file: WireAttachment): FileAttachment {
  let cid: string
  try {
    cid = CID.decode(file.cid).toString()
  } catch {
    throw new MalformedFrameError('bad file CID')
  }
  if (file.key.byteLength !== FILE_KEY_BYTES) throw new MalformedFrameError('bad file key')
  return parseAttachment({ cid, key: toBase64url(file.key), name: file.name, size: file.size, type: file.type })
}
