import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RoomPayload {
  chat?: Chat
  presence?: Presence
  receipt?: Receipt
}

export namespace RoomPayload {
  let _codec: Codec<RoomPayload>

  export const codec = (): Codec<RoomPayload> => {
    if (_codec == null) {
      _codec = message<RoomPayload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.receipt != null) {
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.presence != null) {
          obj.receipt = undefined
          obj.chat = undefined
        }

        if (obj.chat != null) {
          obj.receipt = undefined
          obj.presence = undefined
        }

        if (obj.chat != null) {
          w.uint32(10)
          Chat.codec().encode(obj.chat, w)
        }

        if (obj.presence != null) {
          w.uint32(18)
          Presence.codec().encode(obj.presence, w)
        }

        if (obj.receipt != null) {
          w.uint32(26)
          Receipt.codec().encode(obj.receipt, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.chat = Chat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chat
              })
              break
            }
            case 2: {
              obj.presence = Presence.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.presence
              })
              break
            }
            case 3: {
              obj.receipt = Receipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipt
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.receipt != null) {
          delete obj.presence
          delete obj.chat
        }

        if (obj.presence != null) {
          delete obj.receipt
          delete obj.chat
        }

        if (obj.chat != null) {
          delete obj.receipt
          delete obj.presence
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Chat.codec().stream(reader, reader.uint32(), `${prefix}.chat`, {
                limits: opts.limits?.chat
              })

              break
            }
            case 2: {
              yield * Presence.codec().stream(reader, reader.uint32(), `${prefix}.presence`, {
                limits: opts.limits?.presence
              })

              break
            }
            case 3: {
              yield * Receipt.codec().stream(reader, reader.uint32(), `${prefix}.receipt`, {
                limits: opts.limits?.receipt
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface RoomPayloadChatTextFieldEvent {
    field: '$.chat.text'
    value: string
  }

  export interface RoomPayloadChatNameFieldEvent {
    field: '$.chat.name'
    value: string
  }

  export interface RoomPayloadChatFileCidFieldEvent {
    field: '$.chat.file.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomPayloadChatFileKeyFieldEvent {
    field: '$.chat.file.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomPayloadChatFileNameFieldEvent {
    field: '$.chat.file.name'
    value: string
  }

  export interface RoomPayloadChatFileSizeFieldEvent {
    field: '$.chat.file.size'
    value: number
  }

  export interface RoomPayloadChatFileTypeFieldEvent {
    field: '$.chat.file.type'
    value: string
  }

  export interface RoomPayloadPresenceNameFieldEvent {
    field: '$.presence.name'
    value: string
  }

  export interface RoomPayloadPresenceStateFieldEvent {
    field: '$.presence.state'
    value: MemberState
  }

  export interface RoomPayloadPresenceCallFieldEvent {
    field: '$.presence.call'
    value: boolean
  }

  export interface RoomPayloadReceiptIdsFieldEvent {
    field: '$.receipt.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RoomPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomPayload>): RoomPayload {
    return decodeMessage(buf, RoomPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomPayload>): Generator<RoomPayloadChatTextFieldEvent | RoomPayloadChatNameFieldEvent | RoomPayloadChatFileCidFieldEvent | RoomPayloadChatFileKeyFieldEvent | RoomPayloadChatFileNameFieldEvent | RoomPayloadChatFileSizeFieldEvent | RoomPayloadChatFileTypeFieldEvent | RoomPayloadPresenceNameFieldEvent | RoomPayloadPresenceStateFieldEvent | RoomPayloadPresenceCallFieldEvent | RoomPayloadReceiptIdsFieldEvent> {
    return streamMessage(buf, RoomPayload.codec(), opts)
  }
}

export interface Chat {
  text: string
  name: string
  file?: FileAttachment
}

export namespace Chat {
  let _codec: Codec<Chat>

  export const codec = (): Codec<Chat> => {
    if (_codec == null) {
      _codec = message<Chat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if (obj.file != null) {
          w.uint32(26)
          FileAttachment.codec().encode(obj.file, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          name: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.file = FileAttachment.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.file
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield * FileAttachment.codec().stream(reader, reader.uint32(), `${prefix}.file`, {
                limits: opts.limits?.file
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface ChatFileCidFieldEvent {
    field: '$.file.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatFileKeyFieldEvent {
    field: '$.file.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatFileNameFieldEvent {
    field: '$.file.name'
    value: string
  }

  export interface ChatFileSizeFieldEvent {
    field: '$.file.size'
    value: number
  }

  export interface ChatFileTypeFieldEvent {
    field: '$.file.type'
    value: string
  }

  export function encode (obj: Partial<Chat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Chat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chat>): Chat {
    return decodeMessage(buf, Chat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chat>): Generator<ChatTextFieldEvent | ChatNameFieldEvent | ChatFileCidFieldEvent | ChatFileKeyFieldEvent | ChatFileNameFieldEvent | ChatFileSizeFieldEvent | ChatFileTypeFieldEvent> {
    return streamMessage(buf, Chat.codec(), opts)
  }
}

export interface FileAttachment {
  cid: Uint8Array<ArrayBuffer>
  key: Uint8Array<ArrayBuffer>
  name: string
  size: number
  type: string
}

export namespace FileAttachment {
  let _codec: Codec<FileAttachment>

  export const codec = (): Codec<FileAttachment> => {
    if (_codec == null) {
      _codec = message<FileAttachment>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.cid != null && obj.cid.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.cid)
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.key)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(26)
          w.string(obj.name)
        }

        if ((obj.size != null && obj.size !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.size)
        }

        if ((obj.type != null && obj.type !== '')) {
          w.uint32(42)
          w.string(obj.type)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          cid: uint8ArrayAlloc(0),
          key: uint8ArrayAlloc(0),
          name: '',
          size: 0,
          type: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.cid = reader.bytes()
              break
            }
            case 2: {
              obj.key = reader.bytes()
              break
            }
            case 3: {
              obj.name = reader.string()
              break
            }
            case 4: {
              obj.size = reader.uint64Number()
              break
            }
            case 5: {
              obj.type = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.cid`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.type`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface FileAttachmentCidFieldEvent {
    field: '$.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileAttachmentKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileAttachmentNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface FileAttachmentSizeFieldEvent {
    field: '$.size'
    value: number
  }

  export interface FileAttachmentTypeFieldEvent {
    field: '$.type'
    value: string
  }

  export function encode (obj: Partial<FileAttachment>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileAttachment.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileAttachment>): FileAttachment {
    return decodeMessage(buf, FileAttachment.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileAttachment>): Generator<FileAttachmentCidFieldEvent | FileAttachmentKeyFieldEvent | FileAttachmentNameFieldEvent | FileAttachmentSizeFieldEvent | FileAttachmentTypeFieldEvent> {
    return streamMessage(buf, FileAttachment.codec(), opts)
  }
}

export enum MemberState {
  MEMBER_STATE_UNSPECIFIED = 'MEMBER_STATE_UNSPECIFIED',
  ONLINE = 'ONLINE',
  AWAY = 'AWAY',
  OFFLINE = 'OFFLINE'
}

enum __MemberStateValues {
  MEMBER_STATE_UNSPECIFIED = 0,
  ONLINE = 1,
  AWAY = 2,
  OFFLINE = 3
}

export namespace MemberState {
  export const codec = (): Codec<MemberState> => {
    return enumeration<MemberState>(__MemberStateValues)
  }
}

export interface Presence {
  name: string
  state: MemberState
  call: boolean
}

export namespace Presence {
  let _codec: Codec<Presence>

  export const codec = (): Codec<Presence> => {
    if (_codec == null) {
      _codec = message<Presence>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (obj.state != null && __MemberStateValues[obj.state] !== 0) {
          w.uint32(16)
          MemberState.codec().encode(obj.state, w)
        }

        if ((obj.call != null && obj.call !== false)) {
          w.uint32(24)
          w.bool(obj.call)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: '',
          state: MemberState.MEMBER_STATE_UNSPECIFIED,
          call: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
              break
            }
            case 2: {
              obj.state = MemberState.codec().decode(reader)
              break
            }
            case 3: {
              obj.call = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.name`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.state`,
                value: MemberState.codec().decode(reader)
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.call`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PresenceNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface PresenceStateFieldEvent {
    field: '$.state'
    value: MemberState
  }

  export interface PresenceCallFieldEvent {
    field: '$.call'
    value: boolean
  }

  export function encode (obj: Partial<Presence>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Presence.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Presence>): Presence {
    return decodeMessage(buf, Presence.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Presence>): Generator<PresenceNameFieldEvent | PresenceStateFieldEvent | PresenceCallFieldEvent> {
    return streamMessage(buf, Presence.codec(), opts)
  }
}

export interface Receipt {
  ids: Uint8Array<ArrayBuffer>[]
}

export namespace Receipt {
  let _codec: Codec<Receipt>

  export const codec = (): Codec<Receipt> => {
    if (_codec == null) {
      _codec = message<Receipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          ids: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ReceiptIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Receipt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Receipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt {
    return decodeMessage(buf, Receipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptIdsFieldEvent> {
    return streamMessage(buf, Receipt.codec(), opts)
  }
}
