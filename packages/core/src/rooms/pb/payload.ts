/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RoomPayload {
  chat?: Chat
  presence?: Presence
  receipt?: Receipt
  reaction?: Reaction
  edit?: Edit
  delete?: Delete
  roomName?: RoomName
  typing?: Typing
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

        if (obj.typing != null) {
          obj.roomName = undefined
          obj.delete = undefined
          obj.edit = undefined
          obj.reaction = undefined
          obj.receipt = undefined
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.roomName != null) {
          obj.typing = undefined
          obj.delete = undefined
          obj.edit = undefined
          obj.reaction = undefined
          obj.receipt = undefined
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.delete != null) {
          obj.typing = undefined
          obj.roomName = undefined
          obj.edit = undefined
          obj.reaction = undefined
          obj.receipt = undefined
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.edit != null) {
          obj.typing = undefined
          obj.roomName = undefined
          obj.delete = undefined
          obj.reaction = undefined
          obj.receipt = undefined
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.reaction != null) {
          obj.typing = undefined
          obj.roomName = undefined
          obj.delete = undefined
          obj.edit = undefined
          obj.receipt = undefined
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.receipt != null) {
          obj.typing = undefined
          obj.roomName = undefined
          obj.delete = undefined
          obj.edit = undefined
          obj.reaction = undefined
          obj.presence = undefined
          obj.chat = undefined
        }

        if (obj.presence != null) {
          obj.typing = undefined
          obj.roomName = undefined
          obj.delete = undefined
          obj.edit = undefined
          obj.reaction = undefined
          obj.receipt = undefined
          obj.chat = undefined
        }

        if (obj.chat != null) {
          obj.typing = undefined
          obj.roomName = undefined
          obj.delete = undefined
          obj.edit = undefined
          obj.reaction = undefined
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

        if (obj.reaction != null) {
          w.uint32(34)
          Reaction.codec().encode(obj.reaction, w)
        }

        if (obj.edit != null) {
          w.uint32(42)
          Edit.codec().encode(obj.edit, w)
        }

        if (obj.delete != null) {
          w.uint32(50)
          Delete.codec().encode(obj.delete, w)
        }

        if (obj.roomName != null) {
          w.uint32(58)
          RoomName.codec().encode(obj.roomName, w)
        }

        if (obj.typing != null) {
          w.uint32(66)
          Typing.codec().encode(obj.typing, w)
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
            case 4: {
              obj.reaction = Reaction.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.reaction
              })
              break
            }
            case 5: {
              obj.edit = Edit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.edit
              })
              break
            }
            case 6: {
              obj.delete = Delete.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delete
              })
              break
            }
            case 7: {
              obj.roomName = RoomName.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.roomName
              })
              break
            }
            case 8: {
              obj.typing = Typing.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.typing
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.typing != null) {
          delete obj.roomName
          delete obj.delete
          delete obj.edit
          delete obj.reaction
          delete obj.receipt
          delete obj.presence
          delete obj.chat
        }

        if (obj.roomName != null) {
          delete obj.typing
          delete obj.delete
          delete obj.edit
          delete obj.reaction
          delete obj.receipt
          delete obj.presence
          delete obj.chat
        }

        if (obj.delete != null) {
          delete obj.typing
          delete obj.roomName
          delete obj.edit
          delete obj.reaction
          delete obj.receipt
          delete obj.presence
          delete obj.chat
        }

        if (obj.edit != null) {
          delete obj.typing
          delete obj.roomName
          delete obj.delete
          delete obj.reaction
          delete obj.receipt
          delete obj.presence
          delete obj.chat
        }

        if (obj.reaction != null) {
          delete obj.typing
          delete obj.roomName
          delete obj.delete
          delete obj.edit
          delete obj.receipt
          delete obj.presence
          delete obj.chat
        }

        if (obj.receipt != null) {
          delete obj.typing
          delete obj.roomName
          delete obj.delete
          delete obj.edit
          delete obj.reaction
          delete obj.presence
          delete obj.chat
        }

        if (obj.presence != null) {
          delete obj.typing
          delete obj.roomName
          delete obj.delete
          delete obj.edit
          delete obj.reaction
          delete obj.receipt
          delete obj.chat
        }

        if (obj.chat != null) {
          delete obj.typing
          delete obj.roomName
          delete obj.delete
          delete obj.edit
          delete obj.reaction
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
            case 4: {
              yield * Reaction.codec().stream(reader, reader.uint32(), `${prefix}.reaction`, {
                limits: opts.limits?.reaction
              })

              break
            }
            case 5: {
              yield * Edit.codec().stream(reader, reader.uint32(), `${prefix}.edit`, {
                limits: opts.limits?.edit
              })

              break
            }
            case 6: {
              yield * Delete.codec().stream(reader, reader.uint32(), `${prefix}.delete`, {
                limits: opts.limits?.delete
              })

              break
            }
            case 7: {
              yield * RoomName.codec().stream(reader, reader.uint32(), `${prefix}.roomName`, {
                limits: opts.limits?.roomName
              })

              break
            }
            case 8: {
              yield * Typing.codec().stream(reader, reader.uint32(), `${prefix}.typing`, {
                limits: opts.limits?.typing
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

  export interface RoomPayloadChatFilePreviewThumbnailFieldEvent {
    field: '$.chat.file.preview.thumbnail'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomPayloadChatFilePreviewTypeFieldEvent {
    field: '$.chat.file.preview.type'
    value: string
  }

  export interface RoomPayloadChatFilePreviewWidthFieldEvent {
    field: '$.chat.file.preview.width'
    value: number
  }

  export interface RoomPayloadChatFilePreviewHeightFieldEvent {
    field: '$.chat.file.preview.height'
    value: number
  }

  export interface RoomPayloadChatFilePreviewDurationMsFieldEvent {
    field: '$.chat.file.preview.durationMs'
    value: number
  }

  export interface RoomPayloadChatReplyToFieldEvent {
    field: '$.chat.replyTo'
    value: Uint8Array<ArrayBuffer>
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

  export interface RoomPayloadReactionTargetFieldEvent {
    field: '$.reaction.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomPayloadReactionEmojiFieldEvent {
    field: '$.reaction.emoji'
    value: string
  }

  export interface RoomPayloadReactionRemoveFieldEvent {
    field: '$.reaction.remove'
    value: boolean
  }

  export interface RoomPayloadEditTargetFieldEvent {
    field: '$.edit.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomPayloadEditTextFieldEvent {
    field: '$.edit.text'
    value: string
  }

  export interface RoomPayloadDeleteTargetFieldEvent {
    field: '$.delete.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomPayloadDeleteWallFieldEvent {
    field: '$.delete.wall'
    value: number
  }

  export interface RoomPayloadDeleteCounterFieldEvent {
    field: '$.delete.counter'
    value: number
  }

  export interface RoomPayloadRoomNameNameFieldEvent {
    field: '$.roomName.name'
    value: string
  }

  export function encode (obj: Partial<RoomPayload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomPayload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomPayload>): RoomPayload {
    return decodeMessage(buf, RoomPayload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomPayload>): Generator<RoomPayloadChatTextFieldEvent | RoomPayloadChatNameFieldEvent | RoomPayloadChatFileCidFieldEvent | RoomPayloadChatFileKeyFieldEvent | RoomPayloadChatFileNameFieldEvent | RoomPayloadChatFileSizeFieldEvent | RoomPayloadChatFileTypeFieldEvent | RoomPayloadChatFilePreviewThumbnailFieldEvent | RoomPayloadChatFilePreviewTypeFieldEvent | RoomPayloadChatFilePreviewWidthFieldEvent | RoomPayloadChatFilePreviewHeightFieldEvent | RoomPayloadChatFilePreviewDurationMsFieldEvent | RoomPayloadChatReplyToFieldEvent | RoomPayloadPresenceNameFieldEvent | RoomPayloadPresenceStateFieldEvent | RoomPayloadPresenceCallFieldEvent | RoomPayloadReceiptIdsFieldEvent | RoomPayloadReactionTargetFieldEvent | RoomPayloadReactionEmojiFieldEvent | RoomPayloadReactionRemoveFieldEvent | RoomPayloadEditTargetFieldEvent | RoomPayloadEditTextFieldEvent | RoomPayloadDeleteTargetFieldEvent | RoomPayloadDeleteWallFieldEvent | RoomPayloadDeleteCounterFieldEvent | RoomPayloadRoomNameNameFieldEvent> {
    return streamMessage(buf, RoomPayload.codec(), opts)
  }
}

export interface Chat {
  text: string
  name: string
  file?: FileAttachment
  replyTo: Uint8Array<ArrayBuffer>
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

        if ((obj.replyTo != null && obj.replyTo.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.replyTo)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: '',
          name: '',
          replyTo: uint8ArrayAlloc(0)
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
            case 4: {
              obj.replyTo = reader.bytes()
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
            case 4: {
              yield {
                field: `${prefix}.replyTo`,
                value: reader.bytes()
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

  export interface ChatFilePreviewThumbnailFieldEvent {
    field: '$.file.preview.thumbnail'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ChatFilePreviewTypeFieldEvent {
    field: '$.file.preview.type'
    value: string
  }

  export interface ChatFilePreviewWidthFieldEvent {
    field: '$.file.preview.width'
    value: number
  }

  export interface ChatFilePreviewHeightFieldEvent {
    field: '$.file.preview.height'
    value: number
  }

  export interface ChatFilePreviewDurationMsFieldEvent {
    field: '$.file.preview.durationMs'
    value: number
  }

  export interface ChatReplyToFieldEvent {
    field: '$.replyTo'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Chat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Chat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chat>): Chat {
    return decodeMessage(buf, Chat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Chat>): Generator<ChatTextFieldEvent | ChatNameFieldEvent | ChatFileCidFieldEvent | ChatFileKeyFieldEvent | ChatFileNameFieldEvent | ChatFileSizeFieldEvent | ChatFileTypeFieldEvent | ChatFilePreviewThumbnailFieldEvent | ChatFilePreviewTypeFieldEvent | ChatFilePreviewWidthFieldEvent | ChatFilePreviewHeightFieldEvent | ChatFilePreviewDurationMsFieldEvent | ChatReplyToFieldEvent> {
    return streamMessage(buf, Chat.codec(), opts)
  }
}

export interface FileAttachment {
  cid: Uint8Array<ArrayBuffer>
  key: Uint8Array<ArrayBuffer>
  name: string
  size: number
  type: string
  preview?: FilePreview
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

        if (obj.preview != null) {
          w.uint32(50)
          FilePreview.codec().encode(obj.preview, w)
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
            case 6: {
              obj.preview = FilePreview.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.preview
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
            case 6: {
              yield * FilePreview.codec().stream(reader, reader.uint32(), `${prefix}.preview`, {
                limits: opts.limits?.preview
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

  export interface FileAttachmentPreviewThumbnailFieldEvent {
    field: '$.preview.thumbnail'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FileAttachmentPreviewTypeFieldEvent {
    field: '$.preview.type'
    value: string
  }

  export interface FileAttachmentPreviewWidthFieldEvent {
    field: '$.preview.width'
    value: number
  }

  export interface FileAttachmentPreviewHeightFieldEvent {
    field: '$.preview.height'
    value: number
  }

  export interface FileAttachmentPreviewDurationMsFieldEvent {
    field: '$.preview.durationMs'
    value: number
  }

  export function encode (obj: Partial<FileAttachment>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FileAttachment.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileAttachment>): FileAttachment {
    return decodeMessage(buf, FileAttachment.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileAttachment>): Generator<FileAttachmentCidFieldEvent | FileAttachmentKeyFieldEvent | FileAttachmentNameFieldEvent | FileAttachmentSizeFieldEvent | FileAttachmentTypeFieldEvent | FileAttachmentPreviewThumbnailFieldEvent | FileAttachmentPreviewTypeFieldEvent | FileAttachmentPreviewWidthFieldEvent | FileAttachmentPreviewHeightFieldEvent | FileAttachmentPreviewDurationMsFieldEvent> {
    return streamMessage(buf, FileAttachment.codec(), opts)
  }
}

export interface FilePreview {
  thumbnail: Uint8Array<ArrayBuffer>
  type: string
  width: number
  height: number
  durationMs: number
}

export namespace FilePreview {
  let _codec: Codec<FilePreview>

  export const codec = (): Codec<FilePreview> => {
    if (_codec == null) {
      _codec = message<FilePreview>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.thumbnail != null && obj.thumbnail.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.thumbnail)
        }

        if ((obj.type != null && obj.type !== '')) {
          w.uint32(18)
          w.string(obj.type)
        }

        if ((obj.width != null && obj.width !== 0)) {
          w.uint32(24)
          w.uint32(obj.width)
        }

        if ((obj.height != null && obj.height !== 0)) {
          w.uint32(32)
          w.uint32(obj.height)
        }

        if ((obj.durationMs != null && obj.durationMs !== 0)) {
          w.uint32(40)
          w.uint32(obj.durationMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          thumbnail: uint8ArrayAlloc(0),
          type: '',
          width: 0,
          height: 0,
          durationMs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.thumbnail = reader.bytes()
              break
            }
            case 2: {
              obj.type = reader.string()
              break
            }
            case 3: {
              obj.width = reader.uint32()
              break
            }
            case 4: {
              obj.height = reader.uint32()
              break
            }
            case 5: {
              obj.durationMs = reader.uint32()
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
                field: `${prefix}.thumbnail`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.type`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.width`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.height`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.durationMs`,
                value: reader.uint32()
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

  export interface FilePreviewThumbnailFieldEvent {
    field: '$.thumbnail'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FilePreviewTypeFieldEvent {
    field: '$.type'
    value: string
  }

  export interface FilePreviewWidthFieldEvent {
    field: '$.width'
    value: number
  }

  export interface FilePreviewHeightFieldEvent {
    field: '$.height'
    value: number
  }

  export interface FilePreviewDurationMsFieldEvent {
    field: '$.durationMs'
    value: number
  }

  export function encode (obj: Partial<FilePreview>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FilePreview.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FilePreview>): FilePreview {
    return decodeMessage(buf, FilePreview.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FilePreview>): Generator<FilePreviewThumbnailFieldEvent | FilePreviewTypeFieldEvent | FilePreviewWidthFieldEvent | FilePreviewHeightFieldEvent | FilePreviewDurationMsFieldEvent> {
    return streamMessage(buf, FilePreview.codec(), opts)
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

export interface Reaction {
  target: Uint8Array<ArrayBuffer>
  emoji: string
  remove: boolean
}

export namespace Reaction {
  let _codec: Codec<Reaction>

  export const codec = (): Codec<Reaction> => {
    if (_codec == null) {
      _codec = message<Reaction>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.target != null && obj.target.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.target)
        }

        if ((obj.emoji != null && obj.emoji !== '')) {
          w.uint32(18)
          w.string(obj.emoji)
        }

        if ((obj.remove != null && obj.remove !== false)) {
          w.uint32(24)
          w.bool(obj.remove)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          target: uint8ArrayAlloc(0),
          emoji: '',
          remove: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.target = reader.bytes()
              break
            }
            case 2: {
              obj.emoji = reader.string()
              break
            }
            case 3: {
              obj.remove = reader.bool()
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
                field: `${prefix}.target`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.emoji`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.remove`,
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

  export interface ReactionTargetFieldEvent {
    field: '$.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReactionEmojiFieldEvent {
    field: '$.emoji'
    value: string
  }

  export interface ReactionRemoveFieldEvent {
    field: '$.remove'
    value: boolean
  }

  export function encode (obj: Partial<Reaction>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Reaction.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Reaction>): Reaction {
    return decodeMessage(buf, Reaction.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Reaction>): Generator<ReactionTargetFieldEvent | ReactionEmojiFieldEvent | ReactionRemoveFieldEvent> {
    return streamMessage(buf, Reaction.codec(), opts)
  }
}

export interface Edit {
  target: Uint8Array<ArrayBuffer>
  text: string
}

export namespace Edit {
  let _codec: Codec<Edit>

  export const codec = (): Codec<Edit> => {
    if (_codec == null) {
      _codec = message<Edit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.target != null && obj.target.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.target)
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(18)
          w.string(obj.text)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          target: uint8ArrayAlloc(0),
          text: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.target = reader.bytes()
              break
            }
            case 2: {
              obj.text = reader.string()
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
                field: `${prefix}.target`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.text`,
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

  export interface EditTargetFieldEvent {
    field: '$.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EditTextFieldEvent {
    field: '$.text'
    value: string
  }

  export function encode (obj: Partial<Edit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Edit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Edit>): Edit {
    return decodeMessage(buf, Edit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Edit>): Generator<EditTargetFieldEvent | EditTextFieldEvent> {
    return streamMessage(buf, Edit.codec(), opts)
  }
}

export interface Delete {
  target: Uint8Array<ArrayBuffer>
  wall: number
  counter: number
}

export namespace Delete {
  let _codec: Codec<Delete>

  export const codec = (): Codec<Delete> => {
    if (_codec == null) {
      _codec = message<Delete>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.target != null && obj.target.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.target)
        }

        if ((obj.wall != null && obj.wall !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.wall)
        }

        if ((obj.counter != null && obj.counter !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.counter)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          target: uint8ArrayAlloc(0),
          wall: 0,
          counter: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.target = reader.bytes()
              break
            }
            case 2: {
              obj.wall = reader.uint64Number()
              break
            }
            case 3: {
              obj.counter = reader.uint64Number()
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
                field: `${prefix}.target`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.wall`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.counter`,
                value: reader.uint64Number()
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

  export interface DeleteTargetFieldEvent {
    field: '$.target'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DeleteWallFieldEvent {
    field: '$.wall'
    value: number
  }

  export interface DeleteCounterFieldEvent {
    field: '$.counter'
    value: number
  }

  export function encode (obj: Partial<Delete>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Delete.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delete>): Delete {
    return decodeMessage(buf, Delete.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delete>): Generator<DeleteTargetFieldEvent | DeleteWallFieldEvent | DeleteCounterFieldEvent> {
    return streamMessage(buf, Delete.codec(), opts)
  }
}

export interface RoomName {
  name: string
}

export namespace RoomName {
  let _codec: Codec<RoomName>

  export const codec = (): Codec<RoomName> => {
    if (_codec == null) {
      _codec = message<RoomName>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(10)
          w.string(obj.name)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          name: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.name = reader.string()
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

  export interface RoomNameNameFieldEvent {
    field: '$.name'
    value: string
  }

  export function encode (obj: Partial<RoomName>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomName.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomName>): RoomName {
    return decodeMessage(buf, RoomName.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomName>): Generator<RoomNameNameFieldEvent> {
    return streamMessage(buf, RoomName.codec(), opts)
  }
}

export interface Typing {}

export namespace Typing {
  let _codec: Codec<Typing>

  export const codec = (): Codec<Typing> => {
    if (_codec == null) {
      _codec = message<Typing>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
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

  export function encode (obj: Partial<Typing>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Typing.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Typing>): Typing {
    return decodeMessage(buf, Typing.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Typing>): Generator<{}> {
    return streamMessage(buf, Typing.codec(), opts)
  }
}
