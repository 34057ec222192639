/**
 * Shared pieces of the decoder fuzzers: how many inputs to try, the property
 * every decoder must hold, and generators of hostile input (arbitrary bytes,
 * and structure-aware mutations of valid encodings).
 *
 * The property: a decoder returns a value that passes the caller's check, or
 * throws an instance of one of the module's named error classes, and never
 * a raw TypeError/RangeError/SyntaxError; it answers each input quickly (a
 * catastrophic regex or a runaway loop fails the run as "slow").
 */
import fc from 'fast-check'
import { expect } from 'vitest'

/** `PEERLINK_CHAOS=1`: the long run. */
export const CHAOS = process.env.PEERLINK_CHAOS === '1'

/** Generated inputs per decoder property: 100,000 in the long run, a quick sample by default. */
export function runs (quick = 1_500): number {
  return CHAOS ? 100_000 : quick
}

/** The vitest timeout of a fuzz test: long enough for 100,000 inputs in the long run. */
export const FUZZ_TIMEOUT_MS = CHAOS ? 1_800_000 : 60_000

/**
 * One decode of one input taking longer than this counts as a hang. It is
 * CPU time of this process, not wall time: on a loaded machine a worker
 * waiting for a core is no finding.
 */
export const SLOW_INPUT_MS = 1_000

/** CPU time this process has used, ms. */
function cpuMs (): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

type ErrorClass = abstract new (...args: never[]) => Error

/** The figures each fuzz test reports (inputs and time per decoder). */
export const figures: Array<{ decoder: string, inputs: number, ms: number, accepted: number, rejected: Record<string, number> }> = []

export interface Tally {
  inputs: number
  accepted: number
  rejected: Record<string, number>
}

export function tally (): Tally {
  return { inputs: 0, accepted: 0, rejected: {} }
}

/** Records the figures of one decoder and prints them (visible with `--reporter verbose` or in CI logs). */
export function report (decoder: string, t: Tally, started: number): void {
  const ms = Math.round(performance.now() - started)
  figures.push({ decoder, inputs: t.inputs, ms, accepted: t.accepted, rejected: t.rejected })
  console.log(`[fuzz] ${decoder}: ${t.inputs} inputs in ${ms} ms, ${t.accepted} accepted, rejected ${JSON.stringify(t.rejected)}`)
}

function classify<T> (t: Tally | undefined, outcome: { value: T } | { error: unknown }, allowed: ErrorClass[], check: (value: T) => void, started: number): void {
  const ms = cpuMs() - started
  if (ms > SLOW_INPUT_MS) throw new Error(`decoding one input took ${Math.round(ms)} ms of CPU`)
  if (t != null) t.inputs++
  if ('value' in outcome) {
    check(outcome.value)
    if (t != null) t.accepted++
    return
  }
  const err = outcome.error
  const named = allowed.find(C => err instanceof C)
  if (named == null || !(err instanceof Error) || err.name !== named.name) {
    // the raw error, with its stack: this is the finding
    throw err
  }
  if (t != null) t.rejected[err.name] = (t.rejected[err.name] ?? 0) + 1
}

/**
 * Decodes one input: passes when `decode` returns a value that `check`
 * accepts or throws one of `allowed` (by class and by stable `name`).
 */
export function decodes<T> (decode: () => T, allowed: ErrorClass[], check: (value: T) => void = () => {}, t?: Tally): void {
  const started = cpuMs()
  let outcome: { value: T } | { error: unknown }
  try {
    outcome = { value: decode() }
  } catch (error) {
    outcome = { error }
  }
  classify(t, outcome, allowed, check, started)
}

/** The same for an async decoder. */
export async function decodesAsync<T> (decode: () => Promise<T>, allowed: ErrorClass[], check: (value: T) => void = () => {}, t?: Tally): Promise<void> {
  const started = cpuMs()
  let outcome: { value: T } | { error: unknown }
  try {
    outcome = { value: await decode() }
  } catch (error) {
    outcome = { error }
  }
  classify(t, outcome, allowed, check, started)
}

/** Expects `decode` to throw exactly `Expected` (for over-size input). */
export function rejectsWith (decode: () => unknown, Expected: ErrorClass): void {
  let thrown: unknown
  try {
    decode()
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(Expected)
  expect((thrown as Error).name).toBe(Expected.name)
}

export const utf8 = {
  encode: (text: string): Uint8Array => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder().decode(bytes)
}

/** Keys that trip code treating JSON objects as plain records. */
const NASTY_KEYS = ['__proto__', 'constructor', 'toString', 'valueOf', 'toJSON', 'length', 'then', 'hasOwnProperty', '']

/** Unicode that trips validators: lone surrogates, NUL, bidi overrides, combining marks, astral characters, BOM. */
const NASTY_TEXT = ['\ud800', '\udfff', 'a\ud83d', '\u0000', '\u202e', '\u2066', '\u200b', '\ufeff', 'e\u0301', '😀', '𝓧', '\u0085', '\r\n', '\\', '"', '/', '..', '%00', '\u00a0']

/**
 * Numbers at the edges, as JSON text (NaN and Infinity are not JSON, but a
 * peer can send the bytes anyway: the decoder must refuse them cleanly).
 */
const NASTY_NUMBER_TOKENS = ['NaN', 'Infinity', '-Infinity', '1e308', '1e309', '-1e308', '-0', '0', '-1', '0.5', '9007199254740991', '9007199254740992', '9007199254740993', '-9007199254740993', '4294967296', '1e-400', '5e-324', '1.7976931348623157e308', '0x10', '01', '1.', '.5', '+1', '1e', '-']

/** A JSON value of the wrong type or at an extreme. */
export function nastyJsonValue (): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, -1, 1, 1e308, -1e308, 2 ** 53 + 1, 2 ** 53, 2 ** 31, 2 ** 32, 0.5, '', [], {}),
    fc.constantFrom(...NASTY_TEXT),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme-composite', maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.nat(100_000).map(n => 'x'.repeat(n)),
    fc.nat(3_000).map(n => Array.from({ length: n }, () => 0)),
    fc.nat(2_000).map(depth => nested(depth)),
    fc.dictionary(fc.constantFrom(...NASTY_KEYS), fc.oneof(fc.constant(1), fc.constant('x'), fc.constant(null), fc.constant({})), { maxKeys: 3 })
  )
  return fc.oneof({ arbitrary: leaf, weight: 4 }, { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 })
}

function nested (depth: number): unknown {
  let v: unknown = 1
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { a: v }
  return v
}

type Path = Array<string | number>

function paths (value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix)
  if (out.length > 200) return out
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out))
  else if (typeof value === 'object' && value != null) for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out)
  return out
}

function clone<T> (value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

/** Sets (or with `undefined`, deletes) the value at `path`; the root path replaces the whole value. */
function setAt (root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value
  let parent = root as Record<string | number, unknown>
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else {
    // defineProperty: `__proto__` becomes an own key, as JSON.parse makes it
    Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true })
  }
  return root
}

type JsonEdit =
  | { op: 'replace', at: number, value: unknown }
  | { op: 'token', at: number, token: string }
  | { op: 'delete', at: number }
  | { op: 'add', at: number, key: string, value: unknown }
  | { op: 'string', at: number, text: string }

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: nastyJsonValue() }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('token' as const), at: fc.nat(), token: fc.constantFrom(...NASTY_NUMBER_TOKENS) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 8 })), value: nastyJsonValue() }), weight: 1 },
  // a string field mutated in place: a character inserted, flipped or cut, or made huge
  { arbitrary: fc.record({ op: fc.constant('string' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NASTY_TEXT), fc.string({ maxLength: 3 })) }), weight: 3 }
)

const TOKEN = (i: number): string => `\u0001TOKEN${i}\u0001`

/**
 * JSON text of a valid document with one to three edits: a value replaced by
 * a wrong type or an extreme (huge strings, deep nesting, 2^53+1, NaN,
 * 1e309, -0, lone surrogates…), a key deleted or added (`__proto__`,
 * `toString`…), a string field altered in place.
 */
export function mutatedJson (valid: readonly unknown[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...valid), fc.array(jsonEdit, { minLength: 1, maxLength: 3 })).map(([doc, edits]) => {
    // values are copied in: fast-check hands out the same constant objects to every run, and an
    // edit inside one would change it for good (and could make it circular)
    let root = clone(doc)
    const tokens: string[] = []
    for (const edit of edits) {
      const all = paths(root)
      const path = all[edit.at % all.length] as Path
      switch (edit.op) {
        case 'replace': root = setAt(root, path, structuredClone(edit.value)); break
        case 'token': tokens.push(edit.token); root = setAt(root, path, TOKEN(tokens.length - 1)); break
        case 'delete': if (path.length > 0) root = setAt(root, path, undefined); break
        case 'add': {
          let target = root
          for (const key of path) target = (target as Record<string | number, unknown>)[key]
          if (typeof target === 'object' && target != null && !Array.isArray(target)) setAt(root, [...path, edit.key], structuredClone(edit.value))
          break
        }
        case 'string': {
          let target = root
          for (const key of path) target = (target as Record<string | number, unknown>)[key]
          if (typeof target === 'string') {
            const i = edit.at % (target.length + 1)
            root = setAt(root, path, target.slice(0, i) + edit.text + target.slice(i + (edit.at % 2)))
          }
          break
        }
      }
    }
    let text = JSON.stringify(root) ?? 'null'
    tokens.forEach((token, i) => { text = text.replace(JSON.stringify(TOKEN(i)), token) })
    return text
  })
}

type ByteEdit =
  | { op: 'truncate', at: number }
  | { op: 'flip', at: number, bit: number }
  | { op: 'set', at: number, byte: number }
  | { op: 'insert', at: number, bytes: Uint8Array }
  | { op: 'delete', at: number, count: number }
  | { op: 'duplicate', at: number, count: number }

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 64 }) }), weight: 1 }
)

/** A valid encoding with one to four byte-level edits: truncation, bit flips, bytes set, inserted, deleted or repeated. */
export function mutatedBytes (valid: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...valid), fc.array(byteEdit, { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => {
    let b: Uint8Array = Uint8Array.from(bytes)
    for (const edit of edits) {
      const at = b.byteLength === 0 ? 0 : edit.at % (b.byteLength + 1)
      switch (edit.op) {
        case 'truncate': b = b.slice(0, at); break
        case 'flip': if (at < b.byteLength) b[at] = (b[at] as number) ^ (1 << edit.bit); break
        case 'set': if (at < b.byteLength) b[at] = edit.byte; break
        case 'insert': b = concat(b.subarray(0, at), edit.bytes, b.subarray(at)); break
        case 'delete': b = concat(b.subarray(0, at), b.subarray(at + edit.count)); break
        case 'duplicate': b = concat(b.subarray(0, at + edit.count), b.subarray(at)); break
      }
    }
    return b
  })
}

export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** Arbitrary bytes, short and (rarely) long. */
export function anyBytes (maxLength = 2_048): fc.Arbitrary<Uint8Array> {
  return fc.oneof({ arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 3 }, { arbitrary: fc.uint8Array({ maxLength }), weight: 1 })
}

/** Arbitrary text, JSON-ish or not. */
export function anyText (): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    fc.constantFrom(...NASTY_NUMBER_TOKENS)
  )
}

/** JSON documents for decoders that take JSON text: arbitrary text, arbitrary JSON, or mutations of `valid`. */
export function jsonInputs (valid: readonly unknown[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: anyText(), weight: 1 },
    { arbitrary: mutatedJson(valid), weight: 4 },
    { arbitrary: fc.constantFrom(...valid).map(v => JSON.stringify(v)), weight: 1 }
  )
}

/** Byte inputs for decoders of UTF-8 JSON frames: arbitrary bytes, mutated JSON, or byte-level mutations of the valid encodings. */
export function jsonFrameInputs (valid: readonly unknown[]): fc.Arbitrary<Uint8Array> {
  const encoded = valid.map(v => utf8.encode(JSON.stringify(v)))
  return fc.oneof(
    { arbitrary: anyBytes(), weight: 1 },
    { arbitrary: mutatedJson(valid).map(utf8.encode), weight: 4 },
    { arbitrary: mutatedBytes(encoded), weight: 3 },
    { arbitrary: fc.constantFrom(...encoded), weight: 1 }
  )
}

type TextEdit = { op: 'insert' | 'replace', at: number, text: string } | { op: 'delete' | 'truncate' | 'repeat', at: number, count: number }

const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom('insert' as const, 'replace' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...NASTY_TEXT, '#', '/', '?', '&', '=', ',', '%', ' ', '\n'), fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 4 })) }),
  fc.record({ op: fc.constantFrom('delete' as const, 'truncate' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 20_000 }) })
)

/** A valid text (a link, an address) with one to three edits: characters inserted, replaced, deleted, cut, or a piece repeated many times. */
export function mutatedText (valid: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...valid), fc.array(textEdit, { minLength: 1, maxLength: 3 })).map(([text, edits]) => {
    let t = text
    for (const edit of edits) {
      const at = edit.at % (t.length + 1)
      switch (edit.op) {
        case 'insert': t = t.slice(0, at) + edit.text + t.slice(at); break
        case 'replace': t = t.slice(0, at) + edit.text + t.slice(at + edit.text.length); break
        case 'delete': t = t.slice(0, at) + t.slice(at + edit.count); break
        case 'truncate': t = t.slice(0, at); break
        case 'repeat': t = t.slice(0, at) + t.slice(at, at + 3).repeat(edit.count) + t.slice(at); break
      }
    }
    return t
  })
}

/** Text inputs: arbitrary text, or mutations of `valid`, or `valid` itself. */
export function textInputs (valid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: anyText(), weight: 1 },
    { arbitrary: mutatedText(valid), weight: 4 },
    { arbitrary: fc.constantFrom(...valid), weight: 1 }
  )
}

/** fast-check parameters of one fuzz property; `examples` are regression inputs, always tried first. */
export function params<Ts extends [unknown, ...unknown[]]> (numRuns: number, examples: Array<Ts[0]> = []): fc.Parameters<Ts> {
  // examples are given for one-argument properties only: each is that argument
  return { numRuns, examples: examples.map(e => [e] as unknown as Ts) }
}

/** A protobuf field as a hostile peer writes it: any number, any wire type, any value. */
export type PbField = { no: number, wire: 0, value: bigint } | { no: number, wire: 1 | 2 | 5, value: Uint8Array } | { no: number, wire: 3 | 4 | 6 | 7, value?: undefined }

function pbVarint (value: bigint): number[] {
  let v = BigInt.asUintN(64, value)
  const out: number[] = []
  do {
    const low = Number(v & 0x7fn)
    v >>= 7n
    out.push(v > 0n ? low | 0x80 : low)
  } while (v > 0n)
  return out
}

/** Writes fields as they are, in their order, without any codec's checks. */
export function pbEncode (fields: PbField[]): Uint8Array {
  return concat(...fields.flatMap(f => {
    const tag = new Uint8Array(pbVarint(BigInt(f.no) << 3n | BigInt(f.wire)))
    if (f.wire === 0) return [tag, new Uint8Array(pbVarint(f.value))]
    if (f.wire === 2) return [tag, new Uint8Array(pbVarint(BigInt(f.value.byteLength))), f.value]
    if (f.wire === 1 || f.wire === 5) return [tag, f.value]
    return [tag]
  }))
}

/** The top-level fields of a valid protobuf encoding (varint, fixed and length-delimited ones), to edit. */
export function pbFields (bytes: Uint8Array): PbField[] {
  const fields: PbField[] = []
  let at = 0
  const varint = (): bigint => {
    let value = 0n
    for (let shift = 0n; ; shift += 7n) {
      const byte = bytes[at++]
      if (byte == null) throw new Error('truncated varint')
      value |= BigInt(byte & 0x7f) << shift
      if (byte < 0x80) return value
    }
  }
  while (at < bytes.byteLength) {
    const tag = varint()
    const no = Number(tag >> 3n)
    const wire = Number(tag & 7n)
    if (wire === 0) fields.push({ no, wire, value: varint() })
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4
      fields.push({ no, wire, value: bytes.slice(at, at + size) })
      at += size
    } else if (wire === 2) {
      const size = Number(varint())
      fields.push({ no, wire, value: bytes.slice(at, at + size) })
      at += size
    } else throw new Error(`wire type ${wire} in a valid encoding`)
  }
  return fields
}

export function fixed64 (value: bigint): Uint8Array {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true)
  return bytes
}

/** Varints at the edges: 2^31, 2^32, 2^53 ± 1, 2^63, 2^64 − 1, and any 64-bit value. */
export const nastyVarint: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(0n, 1n, 2n ** 31n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })
)

/** One edit of a message's fields. */
export type FieldEdit =
  | { op: 'drop' | 'duplicate', at: number }
  | { op: 'bytes', at: number, value: Uint8Array }
  | { op: 'varint' | 'fixed64', at: number, value: bigint }
  | { op: 'wire', at: number, wire: 0 | 1 | 3 | 4 | 5 | 6 | 7 }
  | { op: 'unknown', at: number, no: number, value: Uint8Array }

/**
 * Field edits: a field dropped or repeated, given other bytes (`values`), a
 * varint or fixed64 at the edges, another wire type, or an unknown field
 * (number 0, or `firstUnknown` and above) inserted.
 */
export function protobufFieldEdit (values: fc.Arbitrary<Uint8Array>, firstUnknown: number): fc.Arbitrary<FieldEdit> {
  return fc.oneof(
    fc.record({ op: fc.constantFrom('drop' as const, 'duplicate' as const), at: fc.nat() }),
    { arbitrary: fc.record({ op: fc.constant('bytes' as const), at: fc.nat(), value: values }), weight: 3 },
    fc.record({ op: fc.constantFrom('varint' as const, 'fixed64' as const), at: fc.nat(), value: nastyVarint }),
    fc.record({ op: fc.constant('wire' as const), at: fc.nat(), wire: fc.constantFrom(0 as const, 1 as const, 3 as const, 4 as const, 5 as const, 6 as const, 7 as const) }),
    fc.record({ op: fc.constant('unknown' as const), at: fc.nat(), no: fc.oneof(fc.constant(0), fc.integer({ min: firstUnknown, max: 2 ** 29 - 1 })), value: fc.uint8Array({ maxLength: 16 }) })
  )
}

/** Applies one edit (for `fields.reduce(editField, …)`). */
export function editField (fields: PbField[], e: FieldEdit): PbField[] {
  const at = fields.length === 0 ? 0 : e.at % fields.length
  const field = fields[at]
  const out = [...fields]
  switch (e.op) {
    case 'drop': out.splice(at, 1); break
    case 'duplicate': if (field != null) out.splice(at, 0, field); break
    case 'bytes': if (field != null) out[at] = { no: field.no, wire: 2, value: e.value }; break
    case 'varint': if (field != null) out[at] = { no: field.no, wire: 0, value: e.value }; break
    case 'fixed64': if (field != null) out[at] = { no: field.no, wire: 1, value: fixed64(e.value) }; break
    case 'wire':
      if (field != null) {
        out[at] = e.wire === 0
          ? { no: field.no, wire: 0, value: 1n }
          : e.wire === 1 || e.wire === 5 ? { no: field.no, wire: e.wire, value: new Uint8Array(e.wire === 1 ? 8 : 4) } : { no: field.no, wire: e.wire }
      }
      break
    case 'unknown': out.splice(at, 0, { no: e.no, wire: 2, value: e.value }); break
  }
  return out
}
