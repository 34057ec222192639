import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface DmFrame {
  message?: SealedMessage
  ack?: Ack
}

export namespace DmFrame {
  let _codec: Codec<DmFrame>

  export const codec = (): Codec<DmFrame> => {
    if (_codec == null) {
      _codec = message<DmFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.message != null) {
          w.uint32(10)
          SealedMessage.codec().encode(obj.message, w)
        }

        if (obj.ack != null) {
          w.uint32(18)
          Ack.codec().encode(obj.ack, w)
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
              obj.message = SealedMessage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.message
              })
              break
            }
            case 2: {
              obj.ack = Ack.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
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
              yield * SealedMessage.codec().stream(reader, reader.uint32(), `${prefix}.message`, {
                limits: opts.limits?.message
              })

              break
            }
            case 2: {
              yield * Ack.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
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

  export interface DmFrameMessageFromFieldEvent {
    field: '$.message.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameMessageToFieldEvent {
    field: '$.message.to'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameMessageSentAtFieldEvent {
    field: '$.message.sentAt'
    value: bigint
  }

  export interface DmFrameMessageEpkFieldEvent {
    field: '$.message.epk'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameMessageIvFieldEvent {
    field: '$.message.iv'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameMessageCtFieldEvent {
    field: '$.message.ct'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameMessageSigFieldEvent {
    field: '$.message.sig'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DmFrameAckIdFieldEvent {
    field: '$.ack.id'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<DmFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DmFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmFrame>): DmFrame {
    return decodeMessage(buf, DmFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DmFrame>): Generator<DmFrameMessageFromFieldEvent | DmFrameMessageToFieldEvent | DmFrameMessageSentAtFieldEvent | DmFrameMessageEpkFieldEvent | DmFrameMessageIvFieldEvent | DmFrameMessageCtFieldEvent | DmFrameMessageSigFieldEvent | DmFrameAckIdFieldEvent> {
    return streamMessage(buf, DmFrame.codec(), opts)
  }
}

export interface SealedMessage {
  from: Uint8Array<ArrayBuffer>
  to: Uint8Array<ArrayBuffer>
  sentAt: bigint
  epk: Uint8Array<ArrayBuffer>
  iv: Uint8Array<ArrayBuffer>
  ct: Uint8Array<ArrayBuffer>
  sig: Uint8Array<ArrayBuffer>
}

export namespace SealedMessage {
  let _codec: Codec<SealedMessage>

  export const codec = (): Codec<SealedMessage> => {
    if (_codec == null) {
      _codec = message<SealedMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.from != null && obj.from.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.from)
        }

        if ((obj.to != null && obj.to.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.to)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(25)
          w.fixed64(obj.sentAt)
        }

        if ((obj.epk != null && obj.epk.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.epk)
        }

        if ((obj.iv != null && obj.iv.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.iv)
        }

        if ((obj.ct != null && obj.ct.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.ct)
        }

        if ((obj.sig != null && obj.sig.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.sig)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          from: uint8ArrayAlloc(0),
          to: uint8ArrayAlloc(0),
          sentAt: 0n,
          epk: uint8ArrayAlloc(0),
          iv: uint8ArrayAlloc(0),
          ct: uint8ArrayAlloc(0),
          sig: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.from = reader.bytes()
              break
            }
            case 2: {
              obj.to = reader.bytes()
              break
            }
            case 3: {
              obj.sentAt = reader.fixed64()
              break
            }
            case 4: {
              obj.epk = reader.bytes()
              break
            }
            case 5: {
              obj.iv = reader.bytes()
              break
            }
            case 6: {
              obj.ct = reader.bytes()
              break
            }
            case 7: {
              obj.sig = reader.bytes()
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
                field: `${prefix}.from`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.to`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.fixed64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.epk`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.iv`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.ct`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.sig`,
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

  export interface SealedMessageFromFieldEvent {
    field: '$.from'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedMessageToFieldEvent {
    field: '$.to'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedMessageSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface SealedMessageEpkFieldEvent {
    field: '$.epk'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedMessageIvFieldEvent {
    field: '$.iv'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedMessageCtFieldEvent {
    field: '$.ct'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SealedMessageSigFieldEvent {
    field: '$.sig'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SealedMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SealedMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMessage>): SealedMessage {
    return decodeMessage(buf, SealedMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SealedMessage>): Generator<SealedMessageFromFieldEvent | SealedMessageToFieldEvent | SealedMessageSentAtFieldEvent | SealedMessageEpkFieldEvent | SealedMessageIvFieldEvent | SealedMessageCtFieldEvent | SealedMessageSigFieldEvent> {
    return streamMessage(buf, SealedMessage.codec(), opts)
  }
}

export interface Ack {
  id: Uint8Array<ArrayBuffer>
}

export namespace Ack {
  let _codec: Codec<Ack>

  export const codec = (): Codec<Ack> => {
    if (_codec == null) {
      _codec = message<Ack>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
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
                field: `${prefix}.id`,
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

  export interface AckIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Ack>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Ack.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Ack {
    return decodeMessage(buf, Ack.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Generator<AckIdFieldEvent> {
    return streamMessage(buf, Ack.codec(), opts)
  }
}
