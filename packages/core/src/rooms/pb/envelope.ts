import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface RoomEnvelope {
  version: number
  topic: string
  author: string
  wall: number
  counter: number
  iv: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
}

export namespace RoomEnvelope {
  let _codec: Codec<RoomEnvelope>

  export const codec = (): Codec<RoomEnvelope> => {
    if (_codec == null) {
      _codec = message<RoomEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.topic != null && obj.topic !== '')) {
          w.uint32(18)
          w.string(obj.topic)
        }

        if ((obj.author != null && obj.author !== '')) {
          w.uint32(26)
          w.string(obj.author)
        }

        if ((obj.wall != null && obj.wall !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.wall)
        }

        if ((obj.counter != null && obj.counter !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.counter)
        }

        if ((obj.iv != null && obj.iv.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.iv)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.ciphertext)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          topic: '',
          author: '',
          wall: 0,
          counter: 0,
          iv: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.topic = reader.string()
              break
            }
            case 3: {
              obj.author = reader.string()
              break
            }
            case 4: {
              obj.wall = reader.uint64Number()
              break
            }
            case 5: {
              obj.counter = reader.uint64Number()
              break
            }
            case 6: {
              obj.iv = reader.bytes()
              break
            }
            case 7: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 8: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.topic`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.author`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.wall`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.counter`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.iv`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.signature`,
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

  export interface RoomEnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface RoomEnvelopeTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export interface RoomEnvelopeAuthorFieldEvent {
    field: '$.author'
    value: string
  }

  export interface RoomEnvelopeWallFieldEvent {
    field: '$.wall'
    value: number
  }

  export interface RoomEnvelopeCounterFieldEvent {
    field: '$.counter'
    value: number
  }

  export interface RoomEnvelopeIvFieldEvent {
    field: '$.iv'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomEnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RoomEnvelopeSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<RoomEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RoomEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomEnvelope>): RoomEnvelope {
    return decodeMessage(buf, RoomEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RoomEnvelope>): Generator<RoomEnvelopeVersionFieldEvent | RoomEnvelopeTopicFieldEvent | RoomEnvelopeAuthorFieldEvent | RoomEnvelopeWallFieldEvent | RoomEnvelopeCounterFieldEvent | RoomEnvelopeIvFieldEvent | RoomEnvelopeCiphertextFieldEvent | RoomEnvelopeSignatureFieldEvent> {
    return streamMessage(buf, RoomEnvelope.codec(), opts)
  }
}
