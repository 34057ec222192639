/**
 * Clock skew: three members whose wall clocks read −1 h, +0 and +1 h against
 * real time exchange envelopes through an in-memory network that delivers
 * them in random orders (fast-check picks the orders). Every member ends
 * with the same messages in one identical order; a message sent after its
 * author received another sorts after it; presence shows each member online
 * at the others, and "silent for OFFLINE_AFTER_MS" is measured by the
 * receiver's clock, whatever the sender's clock says.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { MAX_CLOCK_SKEW_MS, OFFLINE_AFTER_MS } from '../../src/rooms/constants.js'
import { deriveRoomKeys, sealEnvelope } from '../../src/rooms/crypto.js'
import { encodeEnvelope } from '../../src/rooms/envelope.js'
import { HybridClock } from '../../src/rooms/hlc.js'
import { createRoomInvite } from '../../src/rooms/invite.js'
import { Room } from '../../src/rooms/room.js'
import { MemoryRoomStore } from '../../src/rooms/store.js'

const CHAOS = process.env.PEERLINK_CHAOS === '1'
const HOUR = 60 * 60 * 1000
/** Each member's clock, against real time. */
const SKEWS = [-HOUR, 0, HOUR]

const invite = createRoomInvite()
const keys = await deriveRoomKeys(invite.key)
const identities = await Promise.all(SKEWS.map(async () => generateKeyPair('Ed25519')))
const peers = identities.map(k => peerIdFromPrivateKey(k))
const peerIds = peers.map(p => p.toString())

interface Delivery { to: number, bytes: Uint8Array }

/** Three rooms, one per member, joined by a network that holds every publication until the test delivers it. */
function setup (skews = SKEWS): { rooms: Room[], pending: Delivery[], real: () => number, advance: (ms: number) => void, deliver: (index: number) => Promise<void> } {
  let real = Date.now()
  const pending: Delivery[] = []
  const rooms = identities.map((privateKey, i) => {
    const wallClock = (): number => real + (skews[i] as number)
    return new Room({
      pubsub: {
        publish: async (_topic: string, data: Uint8Array) => {
          for (let to = 0; to < SKEWS.length; to++) if (to !== i) pending.push({ to, bytes: data })
          return { recipients: peers.filter((_, j) => j !== i) }
        }
      },
      privateKey,
      peerId: peerIds[i] as string,
      clock: new HybridClock(wallClock),
      wallClock,
      store: new MemoryRoomStore(),
      profile: { name: () => `member ${i}`, away: () => false },
      onMemberSeen: () => {}
    }, invite, keys, [])
  })
  return {
    rooms,
    pending,
    real: () => real,
    advance: ms => { real += ms },
    deliver: async index => {
      const [d] = pending.splice(index, 1)
      if (d != null) await (rooms[d.to] as Room).receive(d.bytes)
    }
  }
}

type Step =
  | { kind: 'send', who: number }
  | { kind: 'announce', who: number }
  | { kind: 'deliver', pick: number }
  | { kind: 'tick', ms: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('send' as const), who: fc.integer({ min: 0, max: 2 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('announce' as const), who: fc.integer({ min: 0, max: 2 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 4_000 }) }), weight: 1 }
)

function onlineOthers (room: Room): Record<string, string> {
  return Object.fromEntries(room.members().filter(m => !m.self).map(m => [m.peerId, m.state]))
}

describe('members with clocks −1 h, +0 and +1 h', () => {
  // receipts are sent from a timer: keep them out of the random schedules
  beforeAll(() => { vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }) })
  afterAll(() => { vi.useRealTimers() })

  it('converge on one order that respects causality, whatever the delivery order, with nothing dropped', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 200 }), async (steps, drain) => {
      const { rooms, pending, advance, deliver } = setup()
      /** What each message's author held when it sent it: all of it must sort before the message. */
      const before = new Map<string, string[]>()
      let sent = 0
      for (const s of steps) {
        if (s.kind === 'send') {
          const room = rooms[s.who] as Room
          const held = room.messages().map(m => m.id)
          const message = await room.send(`message ${sent++} from ${s.who}`)
          before.set(message.id, held)
          await room.flush()
        } else if (s.kind === 'announce') {
          await (rooms[s.who] as Room).announce()
        } else if (s.kind === 'deliver') {
          if (pending.length > 0) await deliver(s.pick % pending.length)
        } else {
          advance(s.ms)
        }
      }
      for (let k = 0; pending.length > 0; k++) await deliver((drain[k] ?? 0) % pending.length)

      const orders = rooms.map(room => room.messages().map(m => m.id))
      expect(orders[0]).toHaveLength(sent)
      for (const order of orders) expect(order).toEqual(orders[0])
      const position = new Map((orders[0] ?? []).map((id, i) => [id, i]))
      for (const [id, held] of before) {
        for (const earlier of held) expect(position.get(earlier)).toBeLessThan(position.get(id) as number)
      }
      for (const room of rooms) {
        expect(Object.values(room.dropped).reduce((a, b) => a + b, 0)).toBe(0)
        room.stop()
      }
    }), { numRuns: CHAOS ? 2_000 : 60 })
  }, CHAOS ? 1_800_000 : 60_000)

  it('a reply sorts after the message it answers, even from a member an hour behind', async () => {
    const { rooms, deliver, pending } = setup()
    const [slow, , fast] = rooms as [Room, Room, Room]
    const question = await fast.send('what time is it?')
    await fast.flush()
    // deliver the question to the slow member only (index of its delivery)
    await deliver(pending.findIndex(d => d.to === 0))
    const answer = await slow.send('an hour earlier, by my clock')
    expect(answer.hlc.wall).toBeGreaterThanOrEqual(question.hlc.wall)
    await slow.flush()
    while (pending.length > 0) await deliver(0)
    for (const room of rooms) {
      expect(room.messages().map(m => m.id)).toEqual([question.id, answer.id])
      room.stop()
    }
  })

  it('still refuse a message from further ahead than MAX_CLOCK_SKEW_MS (a clock 4 h ahead)', async () => {
    const { rooms, pending, deliver } = setup([0, 0, 4 * HOUR])
    await (rooms[2] as Room).send('from the future')
    await (rooms[2] as Room).flush()
    while (pending.length > 0) await deliver(0)
    for (const room of rooms.slice(0, 2)) {
      expect(room.messages()).toEqual([])
      expect(room.dropped.malformed).toBe(1)
      room.stop()
    }
  })

  it('a member cannot drag the others\' clocks more than MAX_CLOCK_SKEW_MS ahead of their own, by gossip or by sync', async () => {
    // member 2 claims a time just inside the limit, then one just outside it
    const inside = 3 * HOUR - 1_000
    const { rooms, pending, real, deliver } = setup([0, 0, inside])
    const [honest, other, hostile] = rooms as [Room, Room, Room]
    const near = await hostile.send('3 h ahead, less a second')
    await hostile.flush()
    while (pending.length > 0) await deliver(0)
    expect(honest.messages().map(m => m.id)).toEqual([near.id])
    // the honest member's clock followed it (a reply must sort after it), and no further
    const reply = await honest.send('after that')
    expect(reply.hlc.wall).toBe(near.hlc.wall)
    expect(reply.hlc.wall).toBeLessThanOrEqual(real() + MAX_CLOCK_SKEW_MS)

    // a second ahead of the limit: refused, live and by sync (ingest with live = false), and the clock stays
    const beyond = await sealEnvelope({ keys, topic: honest.topic, privateKey: identities[2] as PrivateKey, author: peerIds[2] as string, hlc: { wall: real() + MAX_CLOCK_SKEW_MS + 1_000, counter: 0 }, payload: { k: 'chat', text: 'too far ahead', name: 'member 2' } })
    await honest.receive(encodeEnvelope(beyond))
    expect(await other.ingest(beyond, false)).toBe(false)
    for (const room of [honest, other]) {
      expect(room.messages().map(m => m.text)).not.toContain('too far ahead')
      expect(room.dropped.malformed).toBe(1)
    }
    const next = await honest.send('still on time')
    expect(next.hlc.wall).toBe(near.hlc.wall)
    expect(next.hlc.counter).toBe(reply.hlc.counter + 1)
    for (const room of rooms) room.stop()
  })

  it('see each other online (not offline, not away), and silence is timed by the receiver\'s clock', async () => {
    const { rooms, pending, advance, deliver } = setup()
    const announceAll = async (): Promise<void> => {
      for (const room of rooms) await room.announce()
      while (pending.length > 0) await deliver(pending.length - 1)
    }
    await announceAll()
    for (const [i, room] of rooms.entries()) {
      room.expireMembers()
      const others = peerIds.filter((_, j) => j !== i)
      expect(onlineOthers(room)).toEqual(Object.fromEntries(others.map(id => [id, 'online'])))
    }
    // presence every 5 s keeps everyone online for a minute
    for (let t = 0; t < 12; t++) {
      advance(5_000)
      await announceAll()
      for (const room of rooms) {
        room.expireMembers()
        expect(Object.values(onlineOthers(room))).toEqual(['online', 'online'])
      }
    }
    // the member an hour behind and the one an hour ahead fall silent: offline after OFFLINE_AFTER_MS
    // of the receiver's time, not an hour early or late
    advance(OFFLINE_AFTER_MS)
    for (const room of rooms) {
      room.expireMembers()
      expect(Object.values(onlineOthers(room))).toEqual(['online', 'online'])
    }
    advance(1)
    for (const room of rooms) {
      room.expireMembers()
      expect(Object.values(onlineOthers(room))).toEqual(['offline', 'offline'])
      room.stop()
    }
  })
})
