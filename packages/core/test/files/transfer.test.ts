/**
 * The block protocol's frames (including malformed input) and the scheduler
 * that spreads requests over providers.
 */
import { varint } from 'multiformats'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { BlockProtocolError, decodeBlockFrame, encodeBlockFrame, Scheduler } from '../../src/files/index.js'
import { Uint8ArrayList } from 'uint8arraylist'
import { BufferPool } from '../../src/files/transfer/buffer-pool.js'
import { blockFrameHead } from '../../src/files/transfer/codec.js'
import { Penalties } from '../../src/files/transfer/penalties.js'
import { MAX_STRIKES, PENALTY_MS } from '../../src/files/transfer/constants.js'

async function cidOf (text: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text)))
}

async function cids (n: number, prefix = 'block'): Promise<CID[]> {
  return Promise.all(Array.from({ length: n }, async (_, i) => cidOf(`${prefix}-${i}`)))
}

async function two (): Promise<[CID, CID]> {
  const [a, b] = await cids(2)
  return [a as CID, b as CID]
}

describe('block protocol frames', () => {
  it('round-trips every frame type', async () => {
    const [a, b] = await two()
    for (const frame of [
      { type: 'open' as const, root: a },
      { type: 'want' as const, cids: [a, b] },
      { type: 'cancel' as const, cids: [b] },
      { type: 'block' as const, cid: a, bytes: new Uint8Array([1, 2, 3]) },
      { type: 'block' as const, cid: a, bytes: new Uint8Array() },
      { type: 'missing' as const, cid: b }
    ]) {
      const decoded = decodeBlockFrame(encodeBlockFrame(frame))
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(frame))
    }
  })

  it('rejects malformed frames with BlockProtocolError', async () => {
    const [a] = await two()
    const open = encodeBlockFrame({ type: 'open', root: a })
    const nonCanonical = Uint8Array.from([0x00, 0x55, 0x12, 0x20, ...new Uint8Array(32)]) // a CIDv0 written as version 0 and a codec
    const tried: Array<[string, Uint8Array]> = [
      ['an empty frame', new Uint8Array()],
      ['a frame of no known type (only an unknown field)', new Uint8Array([0x30, 0x01])],
      ['an OPEN with no root', new Uint8Array([0x0a, 0x00])],
      ['a WANT listing nothing', new Uint8Array([0x12, 0x00])],
      ['a truncated CID', open.subarray(0, open.byteLength - 3)],
      ['a CID length past the end', new Uint8Array([0x0a, 0x05, 0x0a, 0x7f, 1, 2, 3])],
      ['a zero-length CID', new Uint8Array([0x2a, 0x02, 0x0a, 0x00])],
      ['bytes that are not a CID', new Uint8Array([0x2a, 0x06, 0x0a, 0x04, 0xff, 0xff, 0xff, 0xff])],
      ['a CID over 128 bytes', new Uint8Array([0x2a, 0x84, 0x01, 0x0a, 0x81, 0x01, ...new Uint8Array(129)])],
      ['a non-canonical CID', new Uint8Array([0x2a, 2 + nonCanonical.byteLength, 0x0a, nonCanonical.byteLength, ...nonCanonical])],
      ['a wrong wire type', new Uint8Array([0x08, 0x01])],
      ['trailing bytes after OPEN (a truncated field)', new Uint8Array([...open, 0x0a])],
      ['a varint that never ends', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]
    ]
    for (const [what, bytes] of tried) {
      expect(() => decodeBlockFrame(bytes), what).toThrow(BlockProtocolError)
    }
  })

  it('encodes each frame as one BlockFrame protobuf message (pb/blocks.proto)', async () => {
    const [a, b] = await two()
    const len = a.bytes.byteLength
    expect(encodeBlockFrame({ type: 'open', root: a })).toEqual(Uint8Array.from([0x0a, len + 2, 0x0a, len, ...a.bytes]))
    expect(encodeBlockFrame({ type: 'want', cids: [a, b] })).toEqual(Uint8Array.from([0x12, 2 * (len + 2), 0x0a, len, ...a.bytes, 0x0a, len, ...b.bytes]))
    expect(encodeBlockFrame({ type: 'cancel', cids: [b] })).toEqual(Uint8Array.from([0x1a, len + 2, 0x0a, len, ...b.bytes]))
    expect(encodeBlockFrame({ type: 'block', cid: a, bytes: new Uint8Array([7, 8]) })).toEqual(Uint8Array.from([0x22, len + 6, 0x0a, len, ...a.bytes, 0x12, 2, 7, 8]))
    expect(encodeBlockFrame({ type: 'missing', cid: b })).toEqual(Uint8Array.from([0x2a, len + 2, 0x0a, len, ...b.bytes]))
  })

  it('decodes a frame however a protobuf encoder lays it out (fields in any order, unknown fields skipped)', async () => {
    const [a] = await two()
    const len = a.bytes.byteLength
    const reordered = Uint8Array.from([0x22, len + 7, 0x12, 2, 7, 8, 0x48, 0x01, 0x0a, len, ...a.bytes])
    for (const frame of [reordered, new Uint8ArrayList(reordered.subarray(0, 5), reordered.subarray(5))]) {
      const decoded = decodeBlockFrame(frame, length => new Uint8Array(length))
      expect(decoded.type === 'block' && decoded.cid.equals(a)).toBe(true)
      expect(decoded.type === 'block' && decoded.bytes).toEqual(new Uint8Array([7, 8]))
    }
  })

  it('decodes frames split over several messages (as read from a stream), copying a block once into a buffer of its own', async () => {
    const [a, b] = await two()
    // large enough not to come from Node's Buffer pool
    const block = Uint8Array.from({ length: 5000 }, (_, i) => i % 251)
    const frames = [
      { type: 'block' as const, cid: a, bytes: block },
      { type: 'block' as const, cid: a, bytes: new Uint8Array() },
      { type: 'want' as const, cids: [a, b] },
      { type: 'missing' as const, cid: b }
    ]
    for (const frame of frames) {
      const bytes = encodeBlockFrame(frame)
      const cuts = Array.from({ length: bytes.byteLength + 1 }, (_, i) => i).filter(i => i < 80 || i > bytes.byteLength - 3 || i % 997 === 0)
      for (const cut of cuts) {
        const decoded = decodeBlockFrame(new Uint8ArrayList(bytes.subarray(0, cut), bytes.subarray(cut)))
        expect(JSON.stringify(decoded), `${frame.type} cut at ${cut}`).toBe(JSON.stringify(frame))
        if (decoded.type === 'block' && decoded.bytes.byteLength > 0 && cut > bytes.byteLength - block.byteLength && cut < bytes.byteLength) {
          expect(decoded.bytes.byteLength).toBe(decoded.bytes.buffer.byteLength)
        }
      }
    }
    // what a server writes: the frame's length and header, then the block itself
    const head = blockFrameHead(a, block.byteLength)
    const frame = encodeBlockFrame(frames[0]!)
    const [length, read] = varint.decode(head)
    expect(length).toBe(frame.byteLength)
    expect(new Uint8Array([...head.subarray(read), ...block])).toEqual(frame)
    // an empty block has no data field (as protobuf encoders write it)
    const emptyHead = blockFrameHead(a, 0)
    expect(emptyHead.subarray(varint.decode(emptyHead)[1])).toEqual(encodeBlockFrame({ type: 'block', cid: a, bytes: new Uint8Array() }))
  })

  it('copies a block into a buffer from `alloc` (one used again), whole or split', async () => {
    const [a] = await two()
    const pool = new BufferPool(5000, 2)
    const used = pool.take(5000).fill(7)
    pool.give(used)
    const block = Uint8Array.from({ length: 5000 }, (_, i) => i % 251)
    const bytes = encodeBlockFrame({ type: 'block', cid: a, bytes: block })
    for (const list of [new Uint8ArrayList(bytes), new Uint8ArrayList(bytes.subarray(0, 100), bytes.subarray(100, 4000), bytes.subarray(4000))]) {
      const decoded = decodeBlockFrame(list, length => pool.take(length))
      expect(decoded.type === 'block' && decoded.bytes).toEqual(block)
      expect(decoded.type === 'block' && decoded.bytes).toBe(used)
      pool.give(used)
    }
  })

  it('keeps only free buffers of its size, at most `max`, each once', () => {
    const pool = new BufferPool(16, 2)
    const [a, b, c] = [pool.take(16), pool.take(16), pool.take(16)]
    pool.give(a)
    pool.give(a)
    pool.give(new Uint8Array(32).subarray(0, 16))
    pool.give(pool.take(8))
    pool.give(b)
    pool.give(c)
    expect(pool.take(16)).toBe(b)
    expect(pool.take(16)).toBe(a)
    expect(pool.take(16)).not.toBe(c)
  })

  it('rejects malformed frames split over several messages', async () => {
    const [a] = await two()
    const block = encodeBlockFrame({ type: 'block', cid: a, bytes: new Uint8Array(8) })
    for (const bytes of [block.subarray(0, 10), block.subarray(0, block.byteLength - 1), new Uint8Array([0x22, 0x05, 0x0a, 0x7f, 1, 2, 3]), new Uint8Array([0x22, 0x03, 0x0a, 0x00, 1]), new Uint8Array([0x22, 0xff, 0xff, 0xff])]) {
      expect(() => decodeBlockFrame(new Uint8ArrayList(bytes.subarray(0, 2), bytes.subarray(2)))).toThrow(BlockProtocolError)
    }
    const head = blockFrameHead(a, 1024 * 1024 + 1).subarray(3) // a frame's head, past its 3-byte length
    expect(() => decodeBlockFrame(new Uint8ArrayList(head, new Uint8Array(1024 * 1024 + 1)))).toThrow(/larger than/)
  })

  it('refuses a request frame listing more than 256 CIDs and a block over 1 MiB', async () => {
    const many = await cids(257)
    const want = encodeBlockFrame({ type: 'want', cids: many })
    expect(() => decodeBlockFrame(want)).toThrow(/more than 256/)
    expect(() => decodeBlockFrame(new Uint8ArrayList(want))).toThrow(/more than 256/)
    const [a] = await two()
    expect(() => decodeBlockFrame(encodeBlockFrame({ type: 'block', cid: a, bytes: new Uint8Array(1024 * 1024 + 1) }))).toThrow(/larger than/)
  })
})

describe('scheduler', () => {
  const init = { initialWindow: 2, maxWindow: 4, queueSeconds: 1, endgameBlocks: 4 }

  it('hands out blocks in file order, urgent ones first, within each provider\'s window', async () => {
    const blocks = await cids(6)
    const [root] = await cids(1, 'root')
    const s = new Scheduler(init)
    s.want(blocks)
    s.want([root!], { urgent: true })
    s.addProvider('p1')
    expect(s.next('p1').map(String)).toEqual([root, blocks[0]].map(String))
    expect(s.next('p1')).toEqual([]) // window full
    expect(s.remaining).toBe(7)
    expect(s.received('p1', root!)).toEqual({ wanted: true, cancel: [] })
    // one delivered: the window grows to 3, so two more
    expect(s.next('p1').map(String)).toEqual([blocks[1], blocks[2]].map(String))
    expect(s.window('p1')).toBe(3)
  })

  it('gives a fast provider more blocks than a slow one (pull-based rebalancing)', async () => {
    const blocks = await cids(40)
    const s = new Scheduler(init)
    s.want(blocks)
    s.allListed()
    s.addProvider('fast')
    s.addProvider('slow')
    const got = { fast: 0, slow: 0 }
    // "slow" delivers one block per round, "fast" everything it has in flight
    const slowQueue = s.next('slow')
    let fastQueue = s.next('fast')
    while (!s.done) {
      for (const cid of fastQueue) { s.received('fast', cid); got.fast++ }
      const one = slowQueue.shift()
      if (one != null && s.received('slow', one).wanted) got.slow++
      fastQueue = s.next('fast')
      slowQueue.push(...s.next('slow'))
    }
    expect(got.fast + got.slow).toBe(40)
    expect(got.fast).toBeGreaterThan(3 * got.slow)
  })

  it('asks someone else for a block a provider does not have, and never asks that provider again', async () => {
    const [x] = await cids(1)
    const s = new Scheduler(init)
    s.want([x!])
    s.addProvider('p1')
    expect(s.next('p1').map(String)).toEqual([String(x)])
    s.missing('p1', x!)
    expect(s.next('p1')).toEqual([])
    s.addProvider('p2')
    expect(s.next('p2').map(String)).toEqual([String(x)])
  })

  it('gives back what a dropped provider had in flight', async () => {
    const blocks = await cids(3)
    const s = new Scheduler({ initialWindow: 3, maxWindow: 3, queueSeconds: 1, endgameBlocks: 4 })
    s.want(blocks)
    s.addProvider('liar')
    expect(s.next('liar')).toHaveLength(3)
    s.removeProvider('liar')
    s.addProvider('honest')
    expect(s.next('honest').map(String).sort()).toEqual(blocks.map(String).sort())
  })

  it('re-asks timed-out blocks elsewhere and halves the slow provider\'s window', async () => {
    const blocks = await cids(4)
    const s = new Scheduler({ initialWindow: 4, maxWindow: 8, queueSeconds: 1, endgameBlocks: 4 })
    s.want(blocks)
    s.addProvider('p1')
    s.next('p1', 0)
    expect(s.expire(1000, 500)).toEqual([])
    expect(s.expire(1000, 1000).map(r => r.peer)).toEqual(['p1', 'p1', 'p1', 'p1'])
    expect(s.window('p1')).toBe(2)
    s.addProvider('p2')
    expect(s.next('p2', 1000)).toHaveLength(4)
  })

  it('no endgame while blocks are still being listed (a download walking its DAG)', async () => {
    const [a, b] = await two()
    const s = new Scheduler(init)
    s.want([a])
    s.addProvider('p1')
    s.addProvider('p2')
    expect(s.next('p1')).toHaveLength(1)
    expect(s.next('p2')).toEqual([])
    s.want([b])
    s.allListed()
    // everything is listed now: p2 takes b, and with room left duplicates a; p1 duplicates b
    expect(s.next('p2').map(String)).toEqual([String(b), String(a)])
    expect(s.next('p1').map(String)).toEqual([String(b)])
  })

  it('in the endgame, an idle provider duplicates blocks in flight elsewhere; the first copy wins and the rest are cancelled', async () => {
    const [a, b] = await cids(2)
    const s = new Scheduler(init)
    s.want([a!, b!])
    s.allListed()
    s.addProvider('slow')
    expect(s.next('slow')).toHaveLength(2)
    s.addProvider('fast')
    expect(s.next('fast').map(String)).toEqual([a, b].map(String))
    expect(s.received('fast', a!)).toEqual({ wanted: true, cancel: ['slow'] })
    expect(s.received('slow', a!)).toEqual({ wanted: false, cancel: [] })
    expect(s.remaining).toBe(1)
  })

  it('once a provider\'s rate is known, its window holds about queueSeconds of deliveries', async () => {
    const blocks = await cids(40)
    const s = new Scheduler({ initialWindow: 8, maxWindow: 32, queueSeconds: 1, endgameBlocks: 0 })
    s.want(blocks)
    s.addProvider('slow')
    const asked = s.next('slow', 0)
    // one block every 2.5 s (about 100 kB/s): the window shrinks to 2
    asked.slice(0, 5).forEach((cid, i) => s.received('slow', cid, i * 2500))
    expect(s.window('slow')).toBe(2)
    s.addProvider('fast')
    const fast = s.next('fast', 0)
    // 100 blocks/s: the window opens to the maximum
    fast.slice(0, 5).forEach((cid, i) => s.received('fast', cid, i * 10))
    expect(s.window('fast')).toBe(32)
  })

  it('does not duplicate while many blocks are still in flight (endgame only at the very end)', async () => {
    const blocks = await cids(12)
    const s = new Scheduler({ initialWindow: 6, maxWindow: 6, queueSeconds: 1, endgameBlocks: 2 })
    s.want(blocks)
    s.allListed()
    s.addProvider('a')
    s.addProvider('b')
    expect(s.next('a')).toHaveLength(6)
    expect(s.next('b')).toHaveLength(6)
    // b delivers everything it has; a's six are still in flight: no duplicates yet
    for (const cid of blocks.slice(6)) s.received('b', cid)
    expect(s.next('b')).toEqual([])
    for (const cid of blocks.slice(0, 4)) s.received('a', cid)
    // two left, both at a: now b asks for them too
    expect(s.next('b').map(String)).toEqual(blocks.slice(4, 6).map(String))
  })

  it('wants a block again when storing it failed, and puts the priority list first', async () => {
    const blocks = await cids(5)
    const s = new Scheduler({ initialWindow: 1, maxWindow: 1, queueSeconds: 1, endgameBlocks: 4 })
    s.want(blocks)
    s.addProvider('p')
    const [first] = s.next('p')
    s.received('p', first!)
    s.requeue(first!)
    expect(s.remaining).toBe(5)
    s.setPriority([blocks[4]!])
    expect(s.next('p').map(String)).toEqual([String(blocks[4])])
  })

  it('replaces the priority list as a whole, and asks for urgent blocks before it', async () => {
    const blocks = await cids(8)
    const s = new Scheduler({ initialWindow: 2, maxWindow: 2, queueSeconds: 1, endgameBlocks: 0 })
    s.want(blocks)
    s.addProvider('p')
    // an older reader's window, then a seek: only the newest list counts
    s.setPriority([blocks[1]!, blocks[2]!, blocks[3]!])
    s.setPriority([blocks[6]!, blocks[7]!, blocks[1]!])
    expect(s.next('p').map(String)).toEqual([blocks[6], blocks[7]].map(String))
    const [urgent] = await cids(1, 'node')
    s.want([urgent!], { urgent: true })
    s.received('p', blocks[6]!)
    expect(s.next('p').map(String)).toEqual([String(urgent)])
    s.received('p', blocks[7]!)
    expect(s.next('p').map(String)).toEqual([String(blocks[1])])
  })

  it('preempts a full window\'s newest requests for the priority list, keeping the oldest', async () => {
    const blocks = await cids(10)
    const s = new Scheduler({ initialWindow: 4, maxWindow: 4, queueSeconds: 1, endgameBlocks: 0 })
    s.want(blocks)
    s.addProvider('p')
    expect(s.next('p').map(String)).toEqual(blocks.slice(0, 4).map(String))
    // nothing wanted first: nothing to preempt
    expect(s.preempt('p')).toEqual([])
    // a seek to the end: two blocks are needed first; the two newest requests make room
    s.setPriority([blocks[8]!, blocks[9]!])
    expect(s.preempt('p').map(String)).toEqual([blocks[3], blocks[2]].map(String))
    expect(s.next('p').map(String)).toEqual([blocks[8], blocks[9]].map(String))
    expect(s.remaining).toBe(10)
    // the given-back blocks are asked for again later, and a late copy still counts
    s.received('p', blocks[3]!)
    expect(s.remaining).toBe(9)
    // priority blocks in flight are never preempted for other priority blocks; the oldest request stays
    s.setPriority([blocks[8]!, blocks[9]!, blocks[4]!, blocks[5]!, blocks[6]!])
    expect(s.preempt('p').map(String)).toEqual([String(blocks[1])])
    expect(s.inFlight('p')).toBe(3)
    // preempted blocks are asked for again only after every other block (a late copy may still be on its way)
    for (const cid of [blocks[0]!, blocks[8]!, blocks[9]!]) s.received('p', cid)
    const order: string[] = []
    for (let next = s.next('p'); next.length > 0; next = s.next('p')) {
      for (const cid of next) {
        order.push(String(cid))
        s.received('p', cid)
      }
    }
    expect(order).toEqual([4, 5, 6, 7, 2, 1].map(i => String(blocks[i])))
  })
})

describe('penalties', () => {
  it(`bans a peer after ${MAX_STRIKES} corrupt blocks, for a while`, () => {
    let now = 0
    const penalties = new Penalties(() => now)
    for (let i = 1; i < MAX_STRIKES; i++) penalties.strike('p')
    expect(penalties.isBanned('p')).toBe(false)
    penalties.strike('p')
    expect(penalties.isBanned('p')).toBe(true)
    now += PENALTY_MS + 1
    expect(penalties.isBanned('p')).toBe(false)
  })
})

describe('upload throttle', () => {
  it('lets bytes through at the limit, in order, and not at all slower when unlimited', async () => {
    const { Throttle } = await import('../../src/files/index.js')
    let now = 0
    const throttle = new Throttle(1000, () => now)
    // a full second's budget accrues first
    now = 1000
    await throttle.take(1000)
    const order: number[] = []
    const second = throttle.take(500).then(() => order.push(2))
    const first = Promise.resolve().then(() => order.push(1))
    now = 1500
    await Promise.all([first, second])
    expect(order).toEqual([1, 2])
    throttle.bytesPerSecond = 0
    await throttle.take(10_000_000)
    expect(() => { throttle.bytesPerSecond = -1 }).toThrow(RangeError)
  })

  it('waits about bytes / limit when the bucket is empty', async () => {
    const { Throttle } = await import('../../src/files/index.js')
    const throttle = new Throttle(100_000)
    const started = performance.now()
    await throttle.take(5_000)
    await throttle.take(5_000)
    // the bucket starts empty: 10 kB at 100 kB/s is about 100 ms
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
  })
})
