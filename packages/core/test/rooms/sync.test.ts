import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { frameStream, type FrameStream } from '../../src/connectivity/frames.js'
import { MAX_SYNC_FRAME_BYTES, MAX_SYNC_MESSAGES, SYNC_BUCKET_MS } from '../../src/rooms/constants.js'
import { deriveRoomKeys, openEnvelope, sealEnvelope, type RoomKeys } from '../../src/rooms/crypto.js'
import { utf8 } from '../../src/rooms/encoding.js'
import { envelopeId, type Envelope } from '../../src/rooms/envelope.js'
import { MalformedFrameError, SyncError, SyncRefusedError, SyncTimeoutError } from '../../src/rooms/errors.js'
import { History } from '../../src/rooms/history.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import { SyncFrame } from '../../src/rooms/pb/sync.js'
import { requestHistory, serveHistory, writeFrame, type SyncRoom } from '../../src/rooms/sync.js'
import type { StoredMessage } from '../../src/rooms/store.js'

/** Two frame streams wired to each other. */
async function framePair (): Promise<[FrameStream, FrameStream]> {
  const [outbound, inbound] = await streamPair()
  return [frameStream(outbound, { maxFrameBytes: MAX_SYNC_FRAME_BYTES }), frameStream(inbound, { maxFrameBytes: MAX_SYNC_FRAME_BYTES })]
}

async function room () {
  const privateKey = await generateKeyPair('Ed25519')
  const invite = createRoomInvite()
  return { privateKey, author: peerIdFromPrivateKey(privateKey).toString(), keys: await deriveRoomKeys(invite.key), topic: roomTopic(invite.roomId) }
}

async function message (r: Awaited<ReturnType<typeof room>>, wall: number, text: string): Promise<StoredMessage & { envelope: Envelope }> {
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
      history.add({ id, envelope, message: { id, roomId: 'r', author: envelope.author, authorName: payload.name, text: payload.text, hlc: { wall: envelope.wall, counter: envelope.counter }, status: 'received', own: false } })
    }
  }
}

const PROOF = new Uint8Array(32).fill(7)

async function pull (client: SyncRoom & { keys: RoomKeys }, server: SyncRoom) {
  const [c, s] = await framePair()
  const served = serveHistory(s, async (topic) => topic === server.topic ? server : undefined)
  const result = await requestHistory(c, client, PROOF, ingestInto(client.log as History, client.keys))
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
    const [c, s] = await framePair()
    const served = serveHistory(s, async () => undefined)
    const refused = requestHistory(c, { topic: r.topic, log: new History() }, PROOF, async () => {})
    await expect(refused).rejects.toThrow(SyncRefusedError)
    await expect(refused).rejects.toThrow(SyncError)
    expect(await served).toBe(0)
  })

  it('gives up on a member that does not answer, by name', async () => {
    const r = await room()
    const [c] = await framePair()
    const silent = requestHistory(c, { topic: r.topic, log: new History() }, PROOF, async () => {}, { signal: AbortSignal.timeout(200) })
    await expect(silent).rejects.toThrow(SyncTimeoutError)
    await expect(silent).rejects.toThrow('timed out waiting for the diff frame')
  })

  it('rejects malformed frames on both sides', async () => {
    const r = await room()
    // tried: garbage instead of a summary, and the JSON frames of room-sync 1.0.0
    for (const garbage of ['not json', JSON.stringify({ type: 'summary', topic: r.topic, proof: 'p', buckets: [] })]) {
      const [c, s] = await framePair()
      const served = serveHistory(s, async () => ({ topic: r.topic, log: new History() }))
      await c.write(utf8.encode(garbage))
      await expect(served).rejects.toThrow(MalformedFrameError)
    }
    // tried: a summary with a bucket number past 2^53
    {
      const [c, s] = await framePair()
      const served = serveHistory(s, async () => ({ topic: r.topic, log: new History() }))
      const summary = SyncFrame.encode({ summary: { topic: r.topic, proof: PROOF, buckets: [] } })
      // field 1 (summary): field 3 (a bucket): field 1 (bucket) = 2^60
      const bucket = [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]
      await c.write(new Uint8Array([...summary.subarray(0, 1), summary[1]! + bucket.length + 2, ...summary.subarray(2), 0x1a, bucket.length, ...bucket]))
      await expect(served).rejects.toThrow(MalformedFrameError)
    }
    // tried: a server that answers with a batch holding a broken envelope
    {
      const [c, s] = await framePair()
      const client = requestHistory(c, { topic: r.topic, log: new History() }, PROOF, async () => {})
      await s.read()
      await writeFrame(s, { type: 'diff', buckets: [0] })
      await s.read()
      await s.write(SyncFrame.encode({ batch: { envelopes: [utf8.encode('{"v":1,"t":"x"}')] } }))
      await expect(client).rejects.toThrow(MalformedFrameError)
    }
    // tried: a tampered envelope inside a valid batch is caught by the member's check
    {
      const good = await message(r, 5, 'hello')
      const ciphertext = Uint8Array.from(good.envelope.ciphertext, (b, i) => i === 0 ? b ^ 1 : b)
      const b = { topic: r.topic, keys: r.keys, log: new History([{ ...good, envelope: { ...good.envelope, ciphertext } }]) }
      const a = { topic: r.topic, keys: r.keys, log: new History() }
      await expect(pull(a, b)).rejects.toThrow(/signature/)
      expect(a.log.messages()).toHaveLength(0)
    }
  })
})
