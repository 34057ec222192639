/**
 * What a room envelope carries once decrypted: a chat message, a presence,
 * read receipts, a reaction, an edit or deletion of the author's message, the
 * room's name, or a typing notice. Envelopes of version 2 carry a `RoomPayload`
 * (pb/payload.proto); envelopes of version 1, converted from history stored
 * by the earlier JSON format, carry that format's JSON object.
 */
import { CID } from 'multiformats/cid'
import { JSON_PAYLOAD_ENVELOPE_VERSION, MESSAGE_ID_BYTES, MAX_FILE_NAME_BYTES, MAX_FILE_TYPE_LENGTH, MAX_NAME_LENGTH, MAX_PREVIEW_DIMENSION, MAX_RECEIPT_IDS, MAX_ROOM_NAME_LENGTH, MAX_TEXT_BYTES, MAX_THUMBNAIL_BYTES, MAX_THUMBNAIL_SIDE, REACTION_EMOJI, THUMBNAIL_TYPES } from './constants.js'
import { fromBase64url, fromHex, toBase64url, toHex, utf8 } from './encoding.js'
import { InvalidPreviewError, MalformedFrameError } from './errors.js'
import { thumbnailSize } from './thumbnail.js'
import { MemberState as WireState, RoomPayload, type FileAttachment as WireAttachment, type FilePreview as WirePreview } from './pb/payload.js'
import type { FileAttachment, FilePreview, Hlc, MemberState, PreviewRejection } from './types.js'

/**
 * Message ids are lowercase hex in payloads as elsewhere (`replyTo`, `target`).
 * A received chat message whose file preview broke a limit comes without it,
 * `previewDropped` saying why.
 */
export type Payload =
  | { k: 'chat', text: string, name: string, file?: FileAttachment, replyTo?: string, previewDropped?: PreviewRejection }
  | { k: 'presence', name: string, state: MemberState, call?: boolean }
  | { k: 'receipt', ids: string[] }
  | RoomAction
  | { k: 'typing' }

/**
 * The payloads that change what the room shows, kept in its history and
 * carried by sync like chat messages: a reaction (or its withdrawal), an edit
 * or deletion of the author's own message, the room's name.
 */
export type RoomAction =
  | { k: 'reaction', target: string, emoji: string, remove?: boolean }
  | { k: 'edit', target: string, text: string }
  | { k: 'delete', target: string, hlc: Hlc }
  | { k: 'room-name', roomName: string }

const MESSAGE_ID = /^[0-9a-f]{64}$/
const FILE_KEY_BYTES = 32

const TO_WIRE: Record<MemberState, WireState> = { online: WireState.ONLINE, away: WireState.AWAY, offline: WireState.OFFLINE }
const FROM_WIRE: Partial<Record<WireState, MemberState>> = { [WireState.ONLINE]: 'online', [WireState.AWAY]: 'away', [WireState.OFFLINE]: 'offline' }

/** A payload's `RoomPayload` encoding (the plaintext of a version 2 envelope). */
export function encodePayload (payload: Payload): Uint8Array {
  switch (payload.k) {
    case 'chat':
      return RoomPayload.encode({ chat: { text: payload.text, name: payload.name, ...(payload.file == null ? {} : { file: attachmentToWire(payload.file) }), replyTo: payload.replyTo == null ? new Uint8Array() : fromHex(payload.replyTo) } })
    case 'presence':
      return RoomPayload.encode({ presence: { name: payload.name, state: TO_WIRE[payload.state], call: payload.call === true } })
    case 'receipt':
      return RoomPayload.encode({ receipt: { ids: payload.ids.map(fromHex) } })
    case 'reaction':
      return RoomPayload.encode({ reaction: { target: fromHex(payload.target), emoji: payload.emoji, remove: payload.remove === true } })
    case 'edit':
      return RoomPayload.encode({ edit: { target: fromHex(payload.target), text: payload.text } })
    case 'delete':
      return RoomPayload.encode({ delete: { target: fromHex(payload.target), wall: payload.hlc.wall, counter: payload.hlc.counter } })
    case 'room-name':
      return RoomPayload.encode({ roomName: { name: payload.roomName } })
    case 'typing':
      return RoomPayload.encode({ typing: {} })
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
    const { text, name, file, replyTo } = p.chat
    const attachment = file == null ? undefined : attachmentFromWire(file)
    const message = chat(text, checkName(name), attachment?.file)
    if (attachment?.previewDropped != null) message.previewDropped = attachment.previewDropped
    if (replyTo.byteLength === 0) return message
    return { ...message, replyTo: messageId(replyTo, 'bad reply') }
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
  if (p.reaction != null) {
    const { target, emoji, remove } = p.reaction
    if (!isReactionEmoji(emoji)) throw new MalformedFrameError('bad reaction')
    return remove ? { k: 'reaction', target: messageId(target, 'bad reaction'), emoji, remove } : { k: 'reaction', target: messageId(target, 'bad reaction'), emoji }
  }
  if (p.edit != null) {
    const { target, text } = p.edit
    if (text === '' || utf8.encode(text).byteLength > MAX_TEXT_BYTES) throw new MalformedFrameError('bad edit')
    return { k: 'edit', target: messageId(target, 'bad edit'), text }
  }
  if (p.delete != null) {
    const { target, wall, counter } = p.delete
    if (![wall, counter].every(n => Number.isSafeInteger(n) && n >= 0)) throw new MalformedFrameError('bad delete')
    return { k: 'delete', target: messageId(target, 'bad delete'), hlc: { wall, counter } }
  }
  if (p.roomName != null) {
    if (p.roomName.name.length > MAX_ROOM_NAME_LENGTH) throw new MalformedFrameError('bad room name')
    return { k: 'room-name', roomName: p.roomName.name }
  }
  if (p.typing != null) return { k: 'typing' }
  throw new MalformedFrameError('unknown payload kind')
}

/** Whether `emoji` is one members may react with. */
export function isReactionEmoji (emoji: string): boolean {
  return (REACTION_EMOJI as readonly string[]).includes(emoji)
}

function messageId (bytes: Uint8Array, what: string): string {
  if (bytes.byteLength !== MESSAGE_ID_BYTES) throw new MalformedFrameError(what)
  return toHex(bytes)
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

function chat (text: string, name: string, file: FileAttachment | undefined): Extract<Payload, { k: 'chat' }> {
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

/**
 * Checks an attachment about to be sent: its shape, and its preview's limits.
 *
 * @throws {MalformedFrameError | InvalidPreviewError}
 */
export function checkAttachment (file: FileAttachment): void {
  parseAttachment(file)
  if (file.preview != null) assertPreview(file.preview)
}

/**
 * @throws {InvalidPreviewError} when `preview` breaks a limit (see {@link checkPreview})
 */
export function assertPreview (preview: FilePreview): void {
  const rejection = checkPreview(preview)
  if (rejection != null) throw new InvalidPreviewError(rejection)
}

/**
 * Why a file preview breaks the limits (a thumbnail of at most
 * MAX_THUMBNAIL_BYTES, of one of THUMBNAIL_TYPES whose header is that type's
 * and gives at most MAX_THUMBNAIL_SIDE pixels a side, the file's dimensions
 * 1 to MAX_PREVIEW_DIMENSION pixels), or undefined when it keeps them.
 */
export function checkPreview (preview: FilePreview): PreviewRejection | undefined {
  if (!(preview.thumbnail instanceof Uint8Array) || preview.thumbnail.byteLength > MAX_THUMBNAIL_BYTES) return 'oversized'
  const drawn = (THUMBNAIL_TYPES as readonly string[]).includes(preview.type) ? thumbnailSize(preview.thumbnail, preview.type) : undefined
  if (drawn == null) return 'bad-type'
  const durationOk = preview.durationMs == null || (Number.isSafeInteger(preview.durationMs) && preview.durationMs >= 0 && preview.durationMs <= 0xffff_ffff)
  const sides = (max: number, ...values: number[]): boolean => values.every(n => Number.isSafeInteger(n) && n >= 1 && n <= max)
  if (!sides(MAX_PREVIEW_DIMENSION, preview.width, preview.height) || !sides(MAX_THUMBNAIL_SIDE, drawn.width, drawn.height) || !durationOk) return 'bad-dimensions'
  return undefined
}

function attachmentToWire (file: FileAttachment): WireAttachment {
  const wire: WireAttachment = { cid: CID.parse(file.cid).bytes as Uint8Array<ArrayBuffer>, key: fromBase64url(file.key) as Uint8Array<ArrayBuffer>, name: file.name, size: file.size, type: file.type }
  const preview = file.preview
  if (preview != null) wire.preview = { thumbnail: preview.thumbnail as Uint8Array<ArrayBuffer>, type: preview.type, width: preview.width, height: preview.height, durationMs: preview.durationMs ?? 0 }
  return wire
}

/** A received attachment: a preview that breaks a limit is left out, `previewDropped` says why. */
function attachmentFromWire (file: WireAttachment): { file: FileAttachment, previewDropped?: PreviewRejection } {
  const attachment = fileFromWire(file)
  if (file.preview == null) return { file: attachment }
  const preview = previewFromWire(file.preview)
  const rejection = checkPreview(preview)
  return rejection == null ? { file: { ...attachment, preview } } : { file: attachment, previewDropped: rejection }
}

function previewFromWire ({ thumbnail, type, width, height, durationMs }: WirePreview): FilePreview {
  return durationMs === 0 ? { thumbnail, type, width, height } : { thumbnail, type, width, height, durationMs }
}

function fileFromWire (file: WireAttachment): FileAttachment {
  let cid: string
  try {
    cid = CID.decode(file.cid).toString()
  } catch {
    throw new MalformedFrameError('bad file CID')
  }
  if (file.key.byteLength !== FILE_KEY_BYTES) throw new MalformedFrameError('bad file key')
  return parseAttachment({ cid, key: toBase64url(file.key), name: file.name, size: file.size, type: file.type })
}
