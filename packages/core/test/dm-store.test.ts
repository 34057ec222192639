import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { IdbDmStore } from '../src/dm/idb-store.js'
import { MemoryDmStore, type DmRecord, type DmStore } from '../src/dm/store.js'
import type { SealedMessage } from '../src/dm/seal.js'
import type { DirectMessage } from '../src/dm/types.js'

const ME = '12D3KooWMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMeMe'
const BOB = '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBobBobB'
const CAROL = '12D3KooWCarolCarolCarolCarolCarolCarolCarolCarolCa'

const sealed: SealedMessage = { from: ME, to: BOB, sentAt: 1, epk: new Uint8Array(32).fill(1), iv: new Uint8Array(12), ct: new Uint8Array(20), sig: new Uint8Array(64) }

function message (peerId: string, id: string, sentAt: number, status: DirectMessage['status']): DirectMessage {
  const own = status !== 'received'
  return { id: id.padEnd(64, '0'), peerId, from: own ? ME : peerId, to: own ? peerId : ME, text: `text ${id}`, sentAt, status, own }
}

let dbCounter = 0
const stores: Array<[string, () => DmStore]> = [
  ['MemoryDmStore', () => new MemoryDmStore()],
  ['IdbDmStore', () => new IdbDmStore(`peerlink-dm-test-${++dbCounter}`)]
]

for (const [name, create] of stores) {
  describe(name, () => {
    it('puts, gets and replaces records, keeping the sealed copy of queued ones', async () => {
      const store = create()
      const queued = message(BOB, 'a1', 10, 'queued')
      await store.put({ message: queued, sealed })
      expect(await store.get(BOB, queued.id)).toEqual({ message: queued, sealed })
      expect(await store.get(CAROL, queued.id)).toBeUndefined()
      const delivered = { ...queued, status: 'delivered' as const }
      await store.put({ message: delivered })
      expect(await store.get(BOB, queued.id)).toEqual({ message: delivered })
    })

    it('lists one conversation, the last message of each and the outbox', async () => {
      const store = create()
      const records: DmRecord[] = [
        { message: message(BOB, 'b1', 10, 'delivered') },
        { message: message(BOB, 'b2', 30, 'received') },
        { message: message(BOB, 'b3', 20, 'queued'), sealed },
        { message: message(CAROL, 'c1', 5, 'queued'), sealed },
        { message: message(CAROL, 'c2', 5, 'received') }
      ]
      for (const record of records) await store.put(record)
      const bob = await store.messages(BOB)
      expect(bob.map(m => m.id).sort()).toEqual(['b1', 'b2', 'b3'].map(id => id.padEnd(64, '0')))
      expect(await store.messages('12D3KooWNobody')).toEqual([])
      const last = await store.lastMessages()
      // same sentAt: the larger id is last
      expect(last.map(m => m.id).sort()).toEqual(['b2', 'c2'].map(id => id.padEnd(64, '0')))
      const outbox = await store.outbox()
      expect(outbox.map(r => r.message.id).sort()).toEqual(['b3', 'c1'].map(id => id.padEnd(64, '0')))
      expect(outbox.every(r => r.sealed != null)).toBe(true)
    })

    it('does not let callers change stored records through returned objects', async () => {
      const store = create()
      const record = { message: message(BOB, 'x', 1, 'queued'), sealed }
      await store.put(record)
      record.message.text = 'changed after put'
      const got = await store.get(BOB, record.message.id)
      expect(got?.message.text).toBe('text x')
    })
  })
}

describe('IdbDmStore persistence', () => {
  it('keeps messages and the outbox across a reload (a new store on the same database)', async () => {
    const first = new IdbDmStore('peerlink-dm-reload')
    await first.put({ message: message(BOB, 'r1', 1, 'queued'), sealed })
    await first.put({ message: message(BOB, 'r2', 2, 'received') })
    const reloaded = new IdbDmStore('peerlink-dm-reload')
    expect((await reloaded.messages(BOB)).map(m => m.text).sort()).toEqual(['text r1', 'text r2'])
    expect((await reloaded.outbox()).map(r => r.sealed)).toEqual([sealed])
  })
})
