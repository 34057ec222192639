/**
 * Fuzzing the room decoders: envelopes (decodeEnvelope), their encrypted
 * payloads (openEnvelope), history sync frames (readFrame) and room links
 * (parseRoomLink). Each returns a valid value or throws one of the rooms
 * module's named errors; none accepts an over-size frame.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_ENVELOPE_BYTES, MAX_SYNC_FRAME_BYTES, MAX_SYNC_LIST } from '../../src/rooms/constants.js'
import { deriveRoomKeys, openEnvelope, sealEnvelope, type Payload } from '../../src/rooms/crypto.js'
import { fromBase64url, toBase64url } from '../../src/rooms/encoding.js'
import { associatedData, decodeEnvelope, encodeEnvelope, signedBytes, type Envelope } from '../../src/rooms/envelope.js'
import { BadSignatureError, InvalidRoomLinkError, MalformedFrameError, OversizedFrameError, UndecryptableError } from '../../src/rooms/errors.js'
import { createRoomInvite, parseRoomLink, roomLink, roomTopic } from '../../src/rooms/invite.js'
import { readFrame, type SyncFrame } from '../../src/rooms/sync.js'
import { FUZZ_TIMEOUT_MS, decodes, decodesAsync, jsonFrameInputs, params, rejectsWith, report, runs, tally, textInputs, utf8 } from './support.js'

const invite = createRoomInvite()
const keys = await deriveRoomKeys(invite.key)
const topic = roomTopic(invite.roomId)
const privateKey = await generateKeyPair('Ed25519')
const author = peerIdFromPrivateKey(privateKey).toString()
const ID = 'ab'.repeat(32)

const payloads: Payload[] = [
  { k: 'chat', text: 'hello 😀', name: 'Ann' },
  { k: 'chat', text: '', name: 'Ann', file: { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', key: 'A'.repeat(43), name: 'a.txt', size: 3, type: 'text/plain' } },
  { k: 'presence', name: 'Ann', state: 'online', call: true },
  { k: 'presence', name: 'Ann', state: 'away' },
  { k: 'receipt', ids: [ID, 'cd'.repeat(32)] }
]
const envelopes: Envelope[] = await Promise.all(payloads.map(async (payload, i) => sealEnvelope({ keys, topic, privateKey, author, hlc: { wall: 1_700_000_000_000 + i, counter: i }, payload })))

/** Seals arbitrary plaintext bytes as a member would: a valid signature and tag over whatever the payload is. */
async function sealBytes (plaintext: Uint8Array): Promise<Envelope> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const header = { t: topic, a: author, h: [1_700_000_000_000, 0] as [number, number] }
  const c = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: associatedData(header) as Uint8Array<ArrayBuffer> }, keys.messages, plaintext as Uint8Array<ArrayBuffer>))
  const unsigned = { v: 1 as const, ...header, n: toBase64url(iv), c: toBase64url(c) }
  return { ...unsigned, s: toBase64url(await privateKey.sign(signedBytes(unsigned))) }
}

function checkEnvelope (e: Envelope): void {
  expect(e.v).toBe(1)
  expect(e.t.length).toBeLessThanOrEqual(200)
  expect(e.h.every(x => Number.isSafeInteger(x) && x >= 0)).toBe(true)
  // what was accepted re-encodes to something accepted as the same envelope (the same id:
  // a clock of -0 is accepted and re-encodes as 0, which is harmless, so compare encodings)
  expect(encodeEnvelope(decodeEnvelope(encodeEnvelope(e)))).toEqual(encodeEnvelope(e))
}

function checkPayload (p: Payload): void {
  expect(['chat', 'presence', 'receipt']).toContain(p.k)
  if (p.k !== 'receipt') expect(p.name.length).toBeLessThanOrEqual(64)
  if (p.k === 'chat') expect(utf8.encode(p.text).byteLength).toBeLessThanOrEqual(64 * 1024)
  if (p.k === 'receipt') expect(p.ids.length).toBeLessThanOrEqual(1000)
}

function stream (bytes: Uint8Array): { read: () => Promise<{ subarray: () => Uint8Array }>, write: () => Promise<void> } {
  return { read: async () => ({ subarray: () => bytes }), write: async () => {} }
}

const syncFrames: SyncFrame[] = [
  { type: 'summary', topic, proof: 'A'.repeat(43), buckets: [[472_222, 3, '0123456789abcdef'], [472_223, 1, 'fedcba9876543210']] },
  { type: 'diff', buckets: [472_222, 472_223] },
  { type: 'have', ids: [ID, 'cd'.repeat(32)] },
  { type: 'batch', envelopes: envelopes.slice(0, 2) },
  { type: 'done', more: true },
  { type: 'error', reason: 'not a member of this room' }
]

function checkSyncFrame (f: SyncFrame): void {
  switch (f.type) {
    case 'summary':
      expect(typeof f.topic === 'string' && typeof f.proof === 'string').toBe(true)
      expect(f.buckets.length).toBeLessThanOrEqual(MAX_SYNC_LIST)
      for (const b of f.buckets) expect(Number.isSafeInteger(b[0]) && Number.isSafeInteger(b[1]) && typeof b[2] === 'string').toBe(true)
      break
    case 'diff': expect(f.buckets.every(b => Number.isSafeInteger(b) && b >= 0)).toBe(true); break
    case 'have': expect(f.ids.every(id => /^[0-9a-f]{64}$/.test(id))).toBe(true); break
    case 'batch': f.envelopes.forEach(checkEnvelope); break
    case 'done': expect(typeof f.more).toBe('boolean'); break
    case 'error': expect(f.reason.length).toBeLessThanOrEqual(200); break
    default: throw new Error(`unknown frame type ${(f as { type: unknown }).type as string}`)
  }
}

describe('fuzzing the room decoders', () => {
  it('decodeEnvelope: a valid envelope or OversizedFrameError/MalformedFrameError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(jsonFrameInputs(envelopes), bytes => {
      decodes(() => decodeEnvelope(bytes), [OversizedFrameError, MalformedFrameError], checkEnvelope, t)
    }), params(runs()))
    report('rooms decodeEnvelope', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('decodeEnvelope: refuses every frame over MAX_ENVELOPE_BYTES, even valid JSON, before parsing', () => {
    const valid = encodeEnvelope(envelopes[0] as Envelope)
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean(), (extra, pad) => {
      const bytes = new Uint8Array(MAX_ENVELOPE_BYTES + extra).fill(0x20)
      if (pad) bytes.set(valid)
      else bytes.fill(0xff)
      rejectsWith(() => decodeEnvelope(bytes), OversizedFrameError)
    }), params(runs(200) / 10))
  }, FUZZ_TIMEOUT_MS)

  it('openEnvelope: any payload a member can seal opens to a valid payload or a named error', async () => {
    const t = tally()
    const started = performance.now()
    await fc.assert(fc.asyncProperty(jsonFrameInputs(payloads), async plaintext => {
      const envelope = await sealBytes(plaintext)
      await decodesAsync(async () => openEnvelope(keys, envelope), [MalformedFrameError], checkPayload, t)
    }), params(runs(1_000)))
    report('rooms openEnvelope (payload)', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('openEnvelope: a mutated envelope fails its signature, its tag or its shape, by name', async () => {
    const t = tally()
    const started = performance.now()
    await fc.assert(fc.asyncProperty(jsonFrameInputs(envelopes), async bytes => {
      let envelope: Envelope
      try {
        envelope = decodeEnvelope(bytes)
      } catch {
        return
      }
      await decodesAsync(async () => openEnvelope(keys, envelope), [BadSignatureError, UndecryptableError, MalformedFrameError], checkPayload, t)
    }), params(runs(1_000)))
    report('rooms openEnvelope (envelope)', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('readFrame (sync): a valid frame or MalformedFrameError/OversizedFrameError', async () => {
    const t = tally()
    const started = performance.now()
    await fc.assert(fc.asyncProperty(jsonFrameInputs(syncFrames), async bytes => {
      await decodesAsync(async () => readFrame(stream(bytes)), [MalformedFrameError, OversizedFrameError], checkSyncFrame, t)
    }), params(runs()))
    report('rooms readFrame (sync)', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('readFrame (sync): refuses a batch carrying an envelope over MAX_ENVELOPE_BYTES, as the live path does', async () => {
    // found by the long run: a batch took an envelope of 98,305 bytes that decodeEnvelope refuses live
    const base = envelopes[0] as Envelope
    const room = MAX_ENVELOPE_BYTES - encodeEnvelope(base).byteLength
    for (const extra of [room - 4, room + 4]) {
      const big = { ...base, c: base.c + 'A'.repeat(extra) }
      const bytes = utf8.encode(JSON.stringify({ type: 'batch', envelopes: [big] }))
      if (extra < room) expect((await readFrame(stream(bytes))).type).toBe('batch')
      else await expect(readFrame(stream(bytes))).rejects.toThrow(OversizedFrameError)
    }
  })

  it('readFrame (sync): refuses a frame over MAX_SYNC_FRAME_BYTES even when it is valid JSON', async () => {
    const bytes = new Uint8Array(MAX_SYNC_FRAME_BYTES + 1).fill(0x20)
    bytes.set(utf8.encode(JSON.stringify({ type: 'done', more: false })))
    const err = await readFrame(stream(bytes)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OversizedFrameError)
    expect((err as Error).name).toBe('OversizedFrameError')
  })

  it('parseRoomLink: a 16-byte id and 32-byte key, or InvalidRoomLinkError', () => {
    const t = tally()
    const started = performance.now()
    const links = [roomLink('https://app.example/peerlink/', invite), `#/r/${invite.roomId}/${toBase64url(invite.key)}`, `r/${invite.roomId}/${toBase64url(invite.key)}/`]
    fc.assert(fc.property(textInputs(links), text => {
      decodes(() => parseRoomLink(text), [InvalidRoomLinkError], v => {
        expect(fromBase64url(v.roomId)?.length).toBe(16)
        expect(v.key.length).toBe(32)
      }, t)
    }), params(runs()))
    report('rooms parseRoomLink', t, started)
  }, FUZZ_TIMEOUT_MS)
})
