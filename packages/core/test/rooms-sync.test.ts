import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { MAX_SYNC_MESSAGES, SYNC_BUCKET_MS } from '../src/rooms/constants.js'
import { deriveRoomKeys, openEnvelope, sealEnvelope, type RoomKeys } from '../src/rooms/crypto.js'
import { utf8 } from '../src/rooms/encoding.js'
import { envelopeId, type Envelope } from '../src/rooms/envelope.js'
import { MalformedFrameError, SyncError, SyncRefusedError } from '../src/rooms/errors.js'
import { History } from '../src/rooms/history.js'
import { createRoomInvite, roomTopic } from '../src/rooms/invite.js'
import { requestHistory, serveHistory, writeFrame, type FrameStream, type SyncRoom } from '../src/rooms/sync.js'
import type { StoredMessage } from '../src/rooms/store.js'

/** Two in-memory frame streams wired to each other. */
function framePair (): [FrameStream, FrameStream] {
  const channel = () => {
    const frames: Uint8Array[] = []
    const waiting: Array<(f: Uint8Array) => void> = []
    return {
      push: (f: Uint8Array) => { const w = waiting.shift(); if (w != null) w(f); else frames.push(f) },
      pull: async () => frames.shift() ?? new Promise<Uint8Array>(resolve => waiting.push(resolve))
    }
  }
  const ab = channel()
  const ba = channel()
  const end = (inbox: ReturnType<typeof channel>, outbox: ReturnType<typeof channel>): FrameStream => ({
    read: async () => { const f = await inbox.pull(); return { subarray: () => f } },
    write: async (data) => { outbox.push(data) }
  })
  return [end(ba, ab), end(ab, ba)]
}

async function room () {
  const privateKey = await generateKeyPair('Ed25519')
  const invite = createRoomInvite()
  return { privateKey, author: peerIdFromPrivateKey(privateKey).toString(), keys: await deriveRoomKeys(invite.key), topic: roomTopic(invite.roomId) }
}

async function message (r: Awaited<ReturnType<typeof room>>, wall: number, text: string): Promise<StoredMessage> {
  const envelope = await sealEnvelope({ keys: r.keys, topic: r.topic, privateKey: r.privateKey, author: r.author, hlc: { wall, counter: 0 }, payload: { k: 'chat', text, name: '' } })
  const id = envelopeId(envelope)
  return { id, envelope, message: { id, roomId: 'r', author: r.author, authorName: '', text, hlc: { wall, counter: 0 }, status: 'received', own: false } }
}

/** What a member does with envelopes from sync: verify, decrypt, keep. */
function ingestInto (history: History, keys: RoomKeys) {
  return async (envelopes: Envelope[]) => {
    for (const envelope of envelopes) {
      const payload = await openEnvelope(keys, envelope)
      if (payload.k !== 'chat') continue
      const id = envelopeId(envelope)
      history.add({ id, envelope, message: { id, roomId: 'r', author: envelope.a, authorName: payload.name, text: payload.text, hlc: { wall: envelope.h[0], counter: envelope.h[1] }, status: 'received', own: false } })
    }
  }
}

async function pull (client: SyncRoom & { keys: RoomKeys }, server: SyncRoom) {
  const [c, s] = framePair()
  const served = serveHistory(s, async (topic) => topic === server.topic ? server : undefined)
  const result = await requestHistory(c, client, 'proof', ingestInto(client.log as History, client.keys))
  await served
  return result
}

describe('history sync', () => {
  it('brings two members missing different ranges to the same history', async () => {
    const r = await room()
    const all = await Promise.all(Array.from({ length: 30 }, async (_, i) => message(r, (i < 20 ? 1 : 3) * SYNC_BUCKET_MS + i, `m${i}`)))
    // A has 0–9 and 20–29; B has 5–24: each misses a range the other has
    const a = { topic: r.topic, keys: r.keys, log: new History([...all.slice(0, 10), ...all.slice(20)]) }
    const b = { topic: r.topic, keys: r.keys, log: new History(all.slice(5, 25)) }
    expect(await pull(a, b)).toEqual({ received: 10, more: false })
    expect(await pull(b, a)).toEqual({ received: 10, more: false })
    const texts = all.map(m => m.message.text).sort()
    expect(a.log.messages().map(m => m.text).sort()).toEqual(texts)
    expect(b.log.messages().map(m => m.id)).toEqual(a.log.messages().map(m => m.id))
    // in sync now: nothing more moves
    expect(await pull(a, b)).toEqual({ received: 0, more: false })
  })

  it('bounds one reply and says there is more', async () => {
    const r = await room()
    const many = await Promise.all(Array.from({ length: MAX_SYNC_MESSAGES + 20 }, async (_, i) => message(r, 1000 + i, `n${i}`)))
    const a = { topic: r.topic, keys: r.keys, log: new History() }
    const b = { topic: r.topic, keys: r.keys, log: new History(many) }
    expect(await pull(a, b)).toEqual({ received: MAX_SYNC_MESSAGES, more: true })
    expect(await pull(a, b)).toEqual({ received: 20, more: false })
    expect(a.log.messages()).toHaveLength(MAX_SYNC_MESSAGES + 20)
  })

  it('refuses a client that cannot prove membership', async () => {
    const r = await room()
    const [c, s] = framePair()
    const served = serveHistory(s, async () => undefined)
    const refused = requestHistory(c, { topic: r.topic, log: new History() }, 'forged', async () => {})
    await expect(refused).rejects.toThrow(SyncRefusedError)
    await expect(refused).rejects.toThrow(SyncError)
    expect(await served).toBe(0)
  })

  it('rejects malformed frames on both sides', async () => {
    const r = await room()
    // tried: garbage instead of a summary
    {
      const [c, s] = framePair()
      const served = serveHistory(s, async () => ({ topic: r.topic, log: new History() }))
      await c.write(utf8.encode('not json'))
      await expect(served).rejects.toThrow(MalformedFrameError)
    }
    // tried: a summary with a non-numeric bucket
    {
      const [c, s] = framePair()
      const served = serveHistory(s, async () => ({ topic: r.topic, log: new History() }))
      await c.write(utf8.encode(JSON.stringify({ type: 'summary', topic: r.topic, proof: 'p', buckets: [['x', 1, 'd']] })))
      await expect(served).rejects.toThrow(MalformedFrameError)
    }
    // tried: a server that answers with a batch holding a broken envelope
    {
      const [c, s] = framePair()
      const client = requestHistory(c, { topic: r.topic, log: new History() }, 'p', async () => {})
      await s.read()
      await writeFrame(s, { type: 'diff', buckets: [0] })
      await s.read()
      await s.write(utf8.encode(JSON.stringify({ type: 'batch', envelopes: [{ v: 1, t: 'x' }] })))
      await expect(client).rejects.toThrow(MalformedFrameError)
    }
    // tried: a tampered envelope inside a valid batch is caught by the member's check
    {
      const good = await message(r, 5, 'hello')
      const b = { topic: r.topic, keys: r.keys, log: new History([{ ...good, envelope: { ...good.envelope, c: good.envelope.c.replace(/^./, c => c === 'A' ? 'B' : 'A') } }]) }
      const a = { topic: r.topic, keys: r.keys, log: new History() }
      await expect(pull(a, b)).rejects.toThrow(/signature/)
      expect(a.log.messages()).toHaveLength(0)
    }
  })
})
