/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MediaState {
  audio?: boolean
  video?: boolean
  screen?: boolean
}

export namespace MediaState {
  let _codec: Codec<MediaState>

  export const codec = (): Codec<MediaState> => {
    if (_codec == null) {
      _codec = message<MediaState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.audio != null) {
          w.uint32(8)
          w.bool(obj.audio)
        }

        if (obj.video != null) {
          w.uint32(16)
          w.bool(obj.video)
        }

        if (obj.screen != null) {
          w.uint32(24)
          w.bool(obj.screen)
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
              obj.audio = reader.bool()
              break
            }
            case 2: {
              obj.video = reader.bool()
              break
            }
            case 3: {
              obj.screen = reader.bool()
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
                field: `${prefix}.audio`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.video`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.screen`,
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

  export interface MediaStateAudioFieldEvent {
    field: '$.audio'
    value: boolean
  }

  export interface MediaStateVideoFieldEvent {
    field: '$.video'
    value: boolean
  }

  export interface MediaStateScreenFieldEvent {
    field: '$.screen'
    value: boolean
  }

  export function encode (obj: Partial<MediaState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MediaState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaState>): MediaState {
    return decodeMessage(buf, MediaState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MediaState>): Generator<MediaStateAudioFieldEvent | MediaStateVideoFieldEvent | MediaStateScreenFieldEvent> {
    return streamMessage(buf, MediaState.codec(), opts)
  }
}

export interface Hello {
  topic?: string
  proof?: Uint8Array<ArrayBuffer>
  session?: Uint8Array<ArrayBuffer>
  known?: Uint8Array<ArrayBuffer>
  media?: MediaState
}

export namespace Hello {
  let _codec: Codec<Hello>

  export const codec = (): Codec<Hello> => {
    if (_codec == null) {
      _codec = message<Hello>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.topic != null) {
          w.uint32(10)
          w.string(obj.topic)
        }

        if (obj.proof != null) {
          w.uint32(18)
          w.bytes(obj.proof)
        }

        if (obj.session != null) {
          w.uint32(26)
          w.bytes(obj.session)
        }

        if (obj.known != null) {
          w.uint32(34)
          w.bytes(obj.known)
        }

        if (obj.media != null) {
          w.uint32(42)
          MediaState.codec().encode(obj.media, w)
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
              obj.topic = reader.string()
              break
            }
            case 2: {
              obj.proof = reader.bytes()
              break
            }
            case 3: {
              obj.session = reader.bytes()
              break
            }
            case 4: {
              obj.known = reader.bytes()
              break
            }
            case 5: {
              obj.media = MediaState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.media
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
                field: `${prefix}.topic`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.session`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.known`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield * MediaState.codec().stream(reader, reader.uint32(), `${prefix}.media`, {
                limits: opts.limits?.media
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

  export interface HelloTopicFieldEvent {
    field: '$.topic'
    value: string
  }

  export interface HelloProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloSessionFieldEvent {
    field: '$.session'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloKnownFieldEvent {
    field: '$.known'
    value: Uint8Array<ArrayBuffer>
  }

  export interface HelloMediaAudioFieldEvent {
    field: '$.media.audio'
    value: boolean
  }

  export interface HelloMediaVideoFieldEvent {
    field: '$.media.video'
    value: boolean
  }

  export interface HelloMediaScreenFieldEvent {
    field: '$.media.screen'
    value: boolean
  }

  export function encode (obj: Partial<Hello>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Hello.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello {
    return decodeMessage(buf, Hello.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloTopicFieldEvent | HelloProofFieldEvent | HelloSessionFieldEvent | HelloKnownFieldEvent | HelloMediaAudioFieldEvent | HelloMediaVideoFieldEvent | HelloMediaScreenFieldEvent> {
    return streamMessage(buf, Hello.codec(), opts)
  }
}

export interface Refuse {
  reason?: Refuse.Reason
}

export namespace Refuse {
  export enum Reason {
    REASON_UNSPECIFIED = 'REASON_UNSPECIFIED',
    NOT_MEMBER = 'NOT_MEMBER',
    NOT_IN_CALL = 'NOT_IN_CALL',
    FULL = 'FULL'
  }

  enum __ReasonValues {
    REASON_UNSPECIFIED = 0,
    NOT_MEMBER = 1,
    NOT_IN_CALL = 2,
    FULL = 3
  }

  export namespace Reason {
    export const codec = (): Codec<Reason> => {
      return enumeration<Reason>(__ReasonValues)
    }
  }

  let _codec: Codec<Refuse>

  export const codec = (): Codec<Refuse> => {
    if (_codec == null) {
      _codec = message<Refuse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.reason != null) {
          w.uint32(8)
          Refuse.Reason.codec().encode(obj.reason, w)
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
              obj.reason = Refuse.Reason.codec().decode(reader)
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
                field: `${prefix}.reason`,
                value: Refuse.Reason.codec().decode(reader)
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

  export interface RefuseReasonFieldEvent {
    field: '$.reason'
    value: Refuse.Reason
  }

  export function encode (obj: Partial<Refuse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Refuse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refuse>): Refuse {
    return decodeMessage(buf, Refuse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Refuse>): Generator<RefuseReasonFieldEvent> {
    return streamMessage(buf, Refuse.codec(), opts)
  }
}

export interface Sdp {
  type?: Sdp.Type
  sdp?: string
}

export namespace Sdp {
  export enum Type {
    TYPE_UNSPECIFIED = 'TYPE_UNSPECIFIED',
    OFFER = 'OFFER',
    ANSWER = 'ANSWER'
  }

  enum __TypeValues {
    TYPE_UNSPECIFIED = 0,
    OFFER = 1,
    ANSWER = 2
  }

  export namespace Type {
    export const codec = (): Codec<Type> => {
      return enumeration<Type>(__TypeValues)
    }
  }

  let _codec: Codec<Sdp>

  export const codec = (): Codec<Sdp> => {
    if (_codec == null) {
      _codec = message<Sdp>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null) {
          w.uint32(8)
          Sdp.Type.codec().encode(obj.type, w)
        }

        if (obj.sdp != null) {
          w.uint32(18)
          w.string(obj.sdp)
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
              obj.type = Sdp.Type.codec().decode(reader)
              break
            }
            case 2: {
              obj.sdp = reader.string()
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
                field: `${prefix}.type`,
                value: Sdp.Type.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sdp`,
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

  export interface SdpTypeFieldEvent {
    field: '$.type'
    value: Sdp.Type
  }

  export interface SdpSdpFieldEvent {
    field: '$.sdp'
    value: string
  }

  export function encode (obj: Partial<Sdp>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Sdp.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Sdp>): Sdp {
    return decodeMessage(buf, Sdp.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Sdp>): Generator<SdpTypeFieldEvent | SdpSdpFieldEvent> {
    return streamMessage(buf, Sdp.codec(), opts)
  }
}

export interface Ice {
  candidate?: string
  mid?: string
  index?: number
  ufrag?: string
}

export namespace Ice {
  let _codec: Codec<Ice>

  export const codec = (): Codec<Ice> => {
    if (_codec == null) {
      _codec = message<Ice>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.candidate != null) {
          w.uint32(10)
          w.string(obj.candidate)
        }

        if (obj.mid != null) {
          w.uint32(18)
          w.string(obj.mid)
        }

        if (obj.index != null) {
          w.uint32(24)
          w.uint32(obj.index)
        }

        if (obj.ufrag != null) {
          w.uint32(34)
          w.string(obj.ufrag)
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
              obj.candidate = reader.string()
              break
            }
            case 2: {
              obj.mid = reader.string()
              break
            }
            case 3: {
              obj.index = reader.uint32()
              break
            }
            case 4: {
              obj.ufrag = reader.string()
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
                field: `${prefix}.candidate`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mid`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.ufrag`,
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

  export interface IceCandidateFieldEvent {
    field: '$.candidate'
    value: string
  }

  export interface IceMidFieldEvent {
    field: '$.mid'
    value: string
  }

  export interface IceIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface IceUfragFieldEvent {
    field: '$.ufrag'
    value: string
  }

  export function encode (obj: Partial<Ice>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Ice.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ice>): Ice {
    return decodeMessage(buf, Ice.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ice>): Generator<IceCandidateFieldEvent | IceMidFieldEvent | IceIndexFieldEvent | IceUfragFieldEvent> {
    return streamMessage(buf, Ice.codec(), opts)
  }
}

export interface Ping {}

export namespace Ping {
  let _codec: Codec<Ping>

  export const codec = (): Codec<Ping> => {
    if (_codec == null) {
      _codec = message<Ping>((obj, w, opts = {}) => {
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

  export function encode (obj: Partial<Ping>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Ping.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ping>): Ping {
    return decodeMessage(buf, Ping.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ping>): Generator<{}> {
    return streamMessage(buf, Ping.codec(), opts)
  }
}

export interface Bye {}

export namespace Bye {
  let _codec: Codec<Bye>

  export const codec = (): Codec<Bye> => {
    if (_codec == null) {
      _codec = message<Bye>((obj, w, opts = {}) => {
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

  export function encode (obj: Partial<Bye>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Bye.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Bye>): Bye {
    return decodeMessage(buf, Bye.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Bye>): Generator<{}> {
    return streamMessage(buf, Bye.codec(), opts)
  }
}

export interface CallFrame {
  hello?: Hello
  refuse?: Refuse
  sdp?: Sdp
  ice?: Ice
  media?: MediaState
  ping?: Ping
  bye?: Bye
}

export namespace CallFrame {
  let _codec: Codec<CallFrame>

  export const codec = (): Codec<CallFrame> => {
    if (_codec == null) {
      _codec = message<CallFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.bye != null) {
          obj.ping = undefined
          obj.media = undefined
          obj.ice = undefined
          obj.sdp = undefined
          obj.refuse = undefined
          obj.hello = undefined
        }

        if (obj.ping != null) {
          obj.bye = undefined
          obj.media = undefined
          obj.ice = undefined
          obj.sdp = undefined
          obj.refuse = undefined
          obj.hello = undefined
        }

        if (obj.media != null) {
          obj.bye = undefined
          obj.ping = undefined
          obj.ice = undefined
          obj.sdp = undefined
          obj.refuse = undefined
          obj.hello = undefined
        }

        if (obj.ice != null) {
          obj.bye = undefined
          obj.ping = undefined
          obj.media = undefined
          obj.sdp = undefined
          obj.refuse = undefined
          obj.hello = undefined
        }

        if (obj.sdp != null) {
          obj.bye = undefined
          obj.ping = undefined
          obj.media = undefined
          obj.ice = undefined
          obj.refuse = undefined
          obj.hello = undefined
        }

        if (obj.refuse != null) {
          obj.bye = undefined
          obj.ping = undefined
          obj.media = undefined
          obj.ice = undefined
          obj.sdp = undefined
          obj.hello = undefined
        }

        if (obj.hello != null) {
          obj.bye = undefined
          obj.ping = undefined
          obj.media = undefined
          obj.ice = undefined
          obj.sdp = undefined
          obj.refuse = undefined
        }

        if (obj.hello != null) {
          w.uint32(10)
          Hello.codec().encode(obj.hello, w)
        }

        if (obj.refuse != null) {
          w.uint32(18)
          Refuse.codec().encode(obj.refuse, w)
        }

        if (obj.sdp != null) {
          w.uint32(26)
          Sdp.codec().encode(obj.sdp, w)
        }

        if (obj.ice != null) {
          w.uint32(34)
          Ice.codec().encode(obj.ice, w)
        }

        if (obj.media != null) {
          w.uint32(42)
          MediaState.codec().encode(obj.media, w)
        }

        if (obj.ping != null) {
          w.uint32(50)
          Ping.codec().encode(obj.ping, w)
        }

        if (obj.bye != null) {
          w.uint32(58)
          Bye.codec().encode(obj.bye, w)
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
              obj.hello = Hello.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.hello
              })
              break
            }
            case 2: {
              obj.refuse = Refuse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.refuse
              })
              break
            }
            case 3: {
              obj.sdp = Sdp.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.sdp
              })
              break
            }
            case 4: {
              obj.ice = Ice.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ice
              })
              break
            }
            case 5: {
              obj.media = MediaState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.media
              })
              break
            }
            case 6: {
              obj.ping = Ping.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ping
              })
              break
            }
            case 7: {
              obj.bye = Bye.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.bye
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.bye != null) {
          delete obj.ping
          delete obj.media
          delete obj.ice
          delete obj.sdp
          delete obj.refuse
          delete obj.hello
        }

        if (obj.ping != null) {
          delete obj.bye
          delete obj.media
          delete obj.ice
          delete obj.sdp
          delete obj.refuse
          delete obj.hello
        }

        if (obj.media != null) {
          delete obj.bye
          delete obj.ping
          delete obj.ice
          delete obj.sdp
          delete obj.refuse
          delete obj.hello
        }

        if (obj.ice != null) {
          delete obj.bye
          delete obj.ping
          delete obj.media
          delete obj.sdp
          delete obj.refuse
          delete obj.hello
        }

        if (obj.sdp != null) {
          delete obj.bye
          delete obj.ping
          delete obj.media
          delete obj.ice
          delete obj.refuse
          delete obj.hello
        }

        if (obj.refuse != null) {
          delete obj.bye
          delete obj.ping
          delete obj.media
          delete obj.ice
          delete obj.sdp
          delete obj.hello
        }

        if (obj.hello != null) {
          delete obj.bye
          delete obj.ping
          delete obj.media
          delete obj.ice
          delete obj.sdp
          delete obj.refuse
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                limits: opts.limits?.hello
              })

              break
            }
            case 2: {
              yield * Refuse.codec().stream(reader, reader.uint32(), `${prefix}.refuse`, {
                limits: opts.limits?.refuse
              })

              break
            }
            case 3: {
              yield * Sdp.codec().stream(reader, reader.uint32(), `${prefix}.sdp`, {
                limits: opts.limits?.sdp
              })

              break
            }
            case 4: {
              yield * Ice.codec().stream(reader, reader.uint32(), `${prefix}.ice`, {
                limits: opts.limits?.ice
              })

              break
            }
            case 5: {
              yield * MediaState.codec().stream(reader, reader.uint32(), `${prefix}.media`, {
                limits: opts.limits?.media
              })

              break
            }
            case 6: {
              yield * Ping.codec().stream(reader, reader.uint32(), `${prefix}.ping`, {
                limits: opts.limits?.ping
              })

              break
            }
            case 7: {
              yield * Bye.codec().stream(reader, reader.uint32(), `${prefix}.bye`, {
                limits: opts.limits?.bye
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

  export interface CallFrameHelloTopicFieldEvent {
    field: '$.hello.topic'
    value: string
  }

  export interface CallFrameHelloProofFieldEvent {
    field: '$.hello.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CallFrameHelloSessionFieldEvent {
    field: '$.hello.session'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CallFrameHelloKnownFieldEvent {
    field: '$.hello.known'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CallFrameHelloMediaAudioFieldEvent {
    field: '$.hello.media.audio'
    value: boolean
  }

  export interface CallFrameHelloMediaVideoFieldEvent {
    field: '$.hello.media.video'
    value: boolean
  }

  export interface CallFrameHelloMediaScreenFieldEvent {
    field: '$.hello.media.screen'
    value: boolean
  }

  export interface CallFrameRefuseReasonFieldEvent {
    field: '$.refuse.reason'
    value: Refuse.Reason
  }

  export interface CallFrameSdpTypeFieldEvent {
    field: '$.sdp.type'
    value: Sdp.Type
  }

  export interface CallFrameSdpSdpFieldEvent {
    field: '$.sdp.sdp'
    value: string
  }

  export interface CallFrameIceCandidateFieldEvent {
    field: '$.ice.candidate'
    value: string
  }

  export interface CallFrameIceMidFieldEvent {
    field: '$.ice.mid'
    value: string
  }

  export interface CallFrameIceIndexFieldEvent {
    field: '$.ice.index'
    value: number
  }

  export interface CallFrameIceUfragFieldEvent {
    field: '$.ice.ufrag'
    value: string
  }

  export interface CallFrameMediaAudioFieldEvent {
    field: '$.media.audio'
    value: boolean
  }

  export interface CallFrameMediaVideoFieldEvent {
    field: '$.media.video'
    value: boolean
  }

  export interface CallFrameMediaScreenFieldEvent {
    field: '$.media.screen'
    value: boolean
  }

  export function encode (obj: Partial<CallFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CallFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallFrame>): CallFrame {
    return decodeMessage(buf, CallFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallFrame>): Generator<CallFrameHelloTopicFieldEvent | CallFrameHelloProofFieldEvent | CallFrameHelloSessionFieldEvent | CallFrameHelloKnownFieldEvent | CallFrameHelloMediaAudioFieldEvent | CallFrameHelloMediaVideoFieldEvent | CallFrameHelloMediaScreenFieldEvent | CallFrameRefuseReasonFieldEvent | CallFrameSdpTypeFieldEvent | CallFrameSdpSdpFieldEvent | CallFrameIceCandidateFieldEvent | CallFrameIceMidFieldEvent | CallFrameIceIndexFieldEvent | CallFrameIceUfragFieldEvent | CallFrameMediaAudioFieldEvent | CallFrameMediaVideoFieldEvent | CallFrameMediaScreenFieldEvent> {
    return streamMessage(buf, CallFrame.codec(), opts)
  }
}
