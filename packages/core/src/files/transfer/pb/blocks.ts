import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface BlockFrame {
  open?: BlockFrame.Open
  want?: BlockFrame.Want
  cancel?: BlockFrame.Cancel
  block?: BlockFrame.Block
  missing?: BlockFrame.Missing
  have?: BlockFrame.Have
}

export namespace BlockFrame {
  export interface Open {
    root: Uint8Array<ArrayBuffer>
    haves: boolean
  }

  export namespace Open {
    let _codec: Codec<Open>

    export const codec = (): Codec<Open> => {
      if (_codec == null) {
        _codec = message<Open>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.root != null && obj.root.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.root)
          }

          if ((obj.haves != null && obj.haves !== false)) {
            w.uint32(16)
            w.bool(obj.haves)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            root: uint8ArrayAlloc(0),
            haves: false
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.root = reader.bytes()
                break
              }
              case 2: {
                obj.haves = reader.bool()
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
                  field: `${prefix}.root`,
                  value: reader.bytes()
                }
                break
              }
              case 2: {
                yield {
                  field: `${prefix}.haves`,
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

    export interface OpenRootFieldEvent {
      field: '$.root'
      value: Uint8Array<ArrayBuffer>
    }

    export interface OpenHavesFieldEvent {
      field: '$.haves'
      value: boolean
    }

    export function encode (obj: Partial<Open>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Open.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Open>): Open {
      return decodeMessage(buf, Open.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Open>): Generator<OpenRootFieldEvent | OpenHavesFieldEvent> {
      return streamMessage(buf, Open.codec(), opts)
    }
  }

  export interface Want {
    cids: Uint8Array<ArrayBuffer>[]
  }

  export namespace Want {
    let _codec: Codec<Want>

    export const codec = (): Codec<Want> => {
      if (_codec == null) {
        _codec = message<Want>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.cids != null && obj.cids.length > 0) {
            for (const value of obj.cids) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            cids: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.cids != null && obj.cids.length === opts.limits.cids) {
                  throw new MaxLengthError('Decode error - repeated field "cids" had too many elements')
                }

                obj.cids.push(reader.bytes())
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
            cids: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.cids != null && obj.cids === opts.limits.cids) {
                  throw new MaxLengthError('Streaming decode error - repeated field "cids" had too many elements')
                }

                yield {
                  field: `${prefix}.cids[]`,
                  index: obj.cids,
                  value: reader.bytes()
                }

                obj.cids++

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

    export interface WantCidsFieldEvent {
      field: '$.cids[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<Want>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Want.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Want>): Want {
      return decodeMessage(buf, Want.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Want>): Generator<WantCidsFieldEvent> {
      return streamMessage(buf, Want.codec(), opts)
    }
  }

  export interface Cancel {
    cids: Uint8Array<ArrayBuffer>[]
  }

  export namespace Cancel {
    let _codec: Codec<Cancel>

    export const codec = (): Codec<Cancel> => {
      if (_codec == null) {
        _codec = message<Cancel>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.cids != null && obj.cids.length > 0) {
            for (const value of obj.cids) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            cids: []
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.cids != null && obj.cids.length === opts.limits.cids) {
                  throw new MaxLengthError('Decode error - repeated field "cids" had too many elements')
                }

                obj.cids.push(reader.bytes())
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
            cids: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.cids != null && obj.cids === opts.limits.cids) {
                  throw new MaxLengthError('Streaming decode error - repeated field "cids" had too many elements')
                }

                yield {
                  field: `${prefix}.cids[]`,
                  index: obj.cids,
                  value: reader.bytes()
                }

                obj.cids++

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

    export interface CancelCidsFieldEvent {
      field: '$.cids[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<Cancel>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Cancel.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Cancel {
      return decodeMessage(buf, Cancel.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Cancel>): Generator<CancelCidsFieldEvent> {
      return streamMessage(buf, Cancel.codec(), opts)
    }
  }

  export interface Block {
    cid: Uint8Array<ArrayBuffer>
    data: Uint8Array<ArrayBuffer>
  }

  export namespace Block {
    let _codec: Codec<Block>

    export const codec = (): Codec<Block> => {
      if (_codec == null) {
        _codec = message<Block>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.cid != null && obj.cid.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.cid)
          }

          if ((obj.data != null && obj.data.byteLength > 0)) {
            w.uint32(18)
            w.bytes(obj.data)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            cid: uint8ArrayAlloc(0),
            data: uint8ArrayAlloc(0)
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
                obj.data = reader.bytes()
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
                  field: `${prefix}.data`,
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

    export interface BlockCidFieldEvent {
      field: '$.cid'
      value: Uint8Array<ArrayBuffer>
    }

    export interface BlockDataFieldEvent {
      field: '$.data'
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<Block>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Block.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Block>): Block {
      return decodeMessage(buf, Block.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Block>): Generator<BlockCidFieldEvent | BlockDataFieldEvent> {
      return streamMessage(buf, Block.codec(), opts)
    }
  }

  export interface Missing {
    cid: Uint8Array<ArrayBuffer>
  }

  export namespace Missing {
    let _codec: Codec<Missing>

    export const codec = (): Codec<Missing> => {
      if (_codec == null) {
        _codec = message<Missing>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if ((obj.cid != null && obj.cid.byteLength > 0)) {
            w.uint32(10)
            w.bytes(obj.cid)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            cid: uint8ArrayAlloc(0)
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                obj.cid = reader.bytes()
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

    export interface MissingCidFieldEvent {
      field: '$.cid'
      value: Uint8Array<ArrayBuffer>
    }

    export function encode (obj: Partial<Missing>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Missing.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Missing>): Missing {
      return decodeMessage(buf, Missing.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Missing>): Generator<MissingCidFieldEvent> {
      return streamMessage(buf, Missing.codec(), opts)
    }
  }

  export interface Have {
    cids: Uint8Array<ArrayBuffer>[]
    all: boolean
  }

  export namespace Have {
    let _codec: Codec<Have>

    export const codec = (): Codec<Have> => {
      if (_codec == null) {
        _codec = message<Have>((obj, w, opts = {}) => {
          if (opts.lengthDelimited !== false) {
            w.fork()
          }

          if (obj.cids != null && obj.cids.length > 0) {
            for (const value of obj.cids) {
              w.uint32(10)
              w.bytes(value)
            }
          }

          if ((obj.all != null && obj.all !== false)) {
            w.uint32(16)
            w.bool(obj.all)
          }

          if (opts.lengthDelimited !== false) {
            w.ldelim()
          }
        }, (reader, length, opts = {}) => {
          const obj: any = {
            cids: [],
            all: false
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.cids != null && obj.cids.length === opts.limits.cids) {
                  throw new MaxLengthError('Decode error - repeated field "cids" had too many elements')
                }

                obj.cids.push(reader.bytes())
                break
              }
              case 2: {
                obj.all = reader.bool()
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
            cids: 0
          }

          const end = length == null ? reader.len : reader.pos + length

          while (reader.pos < end) {
            const tag = reader.uint32()

            switch (tag >>> 3) {
              case 1: {
                if (opts.limits?.cids != null && obj.cids === opts.limits.cids) {
                  throw new MaxLengthError('Streaming decode error - repeated field "cids" had too many elements')
                }

                yield {
                  field: `${prefix}.cids[]`,
                  index: obj.cids,
                  value: reader.bytes()
                }

                obj.cids++

                break
              }
              case 2: {
                yield {
                  field: `${prefix}.all`,
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

    export interface HaveCidsFieldEvent {
      field: '$.cids[]'
      index: number
      value: Uint8Array<ArrayBuffer>
    }

    export interface HaveAllFieldEvent {
      field: '$.all'
      value: boolean
    }

    export function encode (obj: Partial<Have>): Uint8Array<ArrayBuffer> {
      return encodeMessage(obj, Have.codec())
    }

    export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Have>): Have {
      return decodeMessage(buf, Have.codec(), opts)
    }

    export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Have>): Generator<HaveCidsFieldEvent | HaveAllFieldEvent> {
      return streamMessage(buf, Have.codec(), opts)
    }
  }

  let _codec: Codec<BlockFrame>

  export const codec = (): Codec<BlockFrame> => {
    if (_codec == null) {
      _codec = message<BlockFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.have != null) {
          obj.missing = undefined
          obj.block = undefined
          obj.cancel = undefined
          obj.want = undefined
          obj.open = undefined
        }

        if (obj.missing != null) {
          obj.have = undefined
          obj.block = undefined
          obj.cancel = undefined
          obj.want = undefined
          obj.open = undefined
        }

        if (obj.block != null) {
          obj.have = undefined
          obj.missing = undefined
          obj.cancel = undefined
          obj.want = undefined
          obj.open = undefined
        }

        if (obj.cancel != null) {
          obj.have = undefined
          obj.missing = undefined
          obj.block = undefined
          obj.want = undefined
          obj.open = undefined
        }

        if (obj.want != null) {
          obj.have = undefined
          obj.missing = undefined
          obj.block = undefined
          obj.cancel = undefined
          obj.open = undefined
        }

        if (obj.open != null) {
          obj.have = undefined
          obj.missing = undefined
          obj.block = undefined
          obj.cancel = undefined
          obj.want = undefined
        }

        if (obj.open != null) {
          w.uint32(10)
          BlockFrame.Open.codec().encode(obj.open, w)
        }

        if (obj.want != null) {
          w.uint32(18)
          BlockFrame.Want.codec().encode(obj.want, w)
        }

        if (obj.cancel != null) {
          w.uint32(26)
          BlockFrame.Cancel.codec().encode(obj.cancel, w)
        }

        if (obj.block != null) {
          w.uint32(34)
          BlockFrame.Block.codec().encode(obj.block, w)
        }

        if (obj.missing != null) {
          w.uint32(42)
          BlockFrame.Missing.codec().encode(obj.missing, w)
        }

        if (obj.have != null) {
          w.uint32(50)
          BlockFrame.Have.codec().encode(obj.have, w)
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
              obj.open = BlockFrame.Open.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.open
              })
              break
            }
            case 2: {
              obj.want = BlockFrame.Want.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.want
              })
              break
            }
            case 3: {
              obj.cancel = BlockFrame.Cancel.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.cancel
              })
              break
            }
            case 4: {
              obj.block = BlockFrame.Block.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.block
              })
              break
            }
            case 5: {
              obj.missing = BlockFrame.Missing.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.missing
              })
              break
            }
            case 6: {
              obj.have = BlockFrame.Have.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.have
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.have != null) {
          delete obj.missing
          delete obj.block
          delete obj.cancel
          delete obj.want
          delete obj.open
        }

        if (obj.missing != null) {
          delete obj.have
          delete obj.block
          delete obj.cancel
          delete obj.want
          delete obj.open
        }

        if (obj.block != null) {
          delete obj.have
          delete obj.missing
          delete obj.cancel
          delete obj.want
          delete obj.open
        }

        if (obj.cancel != null) {
          delete obj.have
          delete obj.missing
          delete obj.block
          delete obj.want
          delete obj.open
        }

        if (obj.want != null) {
          delete obj.have
          delete obj.missing
          delete obj.block
          delete obj.cancel
          delete obj.open
        }

        if (obj.open != null) {
          delete obj.have
          delete obj.missing
          delete obj.block
          delete obj.cancel
          delete obj.want
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * BlockFrame.Open.codec().stream(reader, reader.uint32(), `${prefix}.open`, {
                limits: opts.limits?.open
              })

              break
            }
            case 2: {
              yield * BlockFrame.Want.codec().stream(reader, reader.uint32(), `${prefix}.want`, {
                limits: opts.limits?.want
              })

              break
            }
            case 3: {
              yield * BlockFrame.Cancel.codec().stream(reader, reader.uint32(), `${prefix}.cancel`, {
                limits: opts.limits?.cancel
              })

              break
            }
            case 4: {
              yield * BlockFrame.Block.codec().stream(reader, reader.uint32(), `${prefix}.block`, {
                limits: opts.limits?.block
              })

              break
            }
            case 5: {
              yield * BlockFrame.Missing.codec().stream(reader, reader.uint32(), `${prefix}.missing`, {
                limits: opts.limits?.missing
              })

              break
            }
            case 6: {
              yield * BlockFrame.Have.codec().stream(reader, reader.uint32(), `${prefix}.have`, {
                limits: opts.limits?.have
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

  export interface BlockFrameOpenRootFieldEvent {
    field: '$.open.root'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameOpenHavesFieldEvent {
    field: '$.open.haves'
    value: boolean
  }

  export interface BlockFrameWantCidsFieldEvent {
    field: '$.want.cids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameCancelCidsFieldEvent {
    field: '$.cancel.cids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameBlockCidFieldEvent {
    field: '$.block.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameBlockDataFieldEvent {
    field: '$.block.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameMissingCidFieldEvent {
    field: '$.missing.cid'
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameHaveCidsFieldEvent {
    field: '$.have.cids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface BlockFrameHaveAllFieldEvent {
    field: '$.have.all'
    value: boolean
  }

  export function encode (obj: Partial<BlockFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BlockFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockFrame>): BlockFrame {
    return decodeMessage(buf, BlockFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockFrame>): Generator<BlockFrameOpenRootFieldEvent | BlockFrameOpenHavesFieldEvent | BlockFrameWantCidsFieldEvent | BlockFrameCancelCidsFieldEvent | BlockFrameBlockCidFieldEvent | BlockFrameBlockDataFieldEvent | BlockFrameMissingCidFieldEvent | BlockFrameHaveCidsFieldEvent | BlockFrameHaveAllFieldEvent> {
    return streamMessage(buf, BlockFrame.codec(), opts)
  }
}
