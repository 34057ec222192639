import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createStore, set } from 'idb-keyval'
import { toString as uint8ArrayToString } from 'uint8arrays'
import { describe, expect, it } from 'vitest'
import { DM_DB_STORE, IdbDmStore } from '../../src/dm/idb-store.js'
import { sealMessage } from '../../src/dm/seal.js'
import { MemoryDmStore, type DmRecord, type DmStore } from '../../src/dm/store.js'
import type { DirectMessage } from '../../src/dm/types.js'
import { VECTOR_ID, VECTOR_TEXT, vectorSealed } from '../support/dm-vector.js'

const meKey = await generateKeyPair('Ed25519')
const ME = peerIdFromPrivateKey(meKey).toString()
const BOB = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const CAROL = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()

function message (peerId: string, id: string, sentAt: number, status: DirectMessage['status']): DirectMessage {
  const own = status !== 'received'
  return { id: id.padEnd(64, '0'), peerId, from: own ? ME : peerId, to: own ? peerId : ME, text: `text ${id}`, sentAt, status, own }
}

/** One of our messages to `peerId`, queued: really sealed, so its id is the seal's. */
async function queued (peerId: string, text: string, sentAt: number): Promise<DmRecord> {
  const { id, sealed } = await sealMessage({ privateKey: meKey, to: peerId, sentAt, text })
  return { message: { id, peerId, from: ME, to: peerId, text, sentAt, status: 'queued', own: true }, sealed }
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
      const record = await queued(BOB, 'a1', 10)
      await store.put(record)
      expect(await store.get(BOB, record.message.id)).toEqual(record)
      expect(await store.get(CAROL, record.message.id)).toBeUndefined()
      const delivered = { ...record.message, status: 'delivered' as const }
      await store.put({ message: delivered })
      expect(await store.get(BOB, record.message.id)).toEqual({ message: delivered })
    })

    it('lists one conversation, the last message of each and the outbox', async () => {
      const store = create()
      const b3 = await queued(BOB, 'b3', 20)
      const c1 = await queued(CAROL, 'c1', 5)
      const records: DmRecord[] = [
        { message: message(BOB, 'b1', 10, 'delivered') },
        { message: message(BOB, 'b2', 30, 'received') },
        b3,
        c1,
        { message: message(CAROL, 'ff', 5, 'received') }
      ]
      for (const record of records) await store.put(record)
      const bob = await store.messages(BOB)
      expect(bob.map(m => m.id).sort()).toEqual([...['b1', 'b2'].map(id => id.padEnd(64, '0')), b3.message.id].sort())
      expect(await store.messages('12D3KooWNobody')).toEqual([])
      const last = await store.lastMessages()
      // same sentAt: the larger id is last
      expect(last.map(m => m.id).sort()).toEqual(['b2', 'ff'].map(id => id.padEnd(64, '0')))
      const outbox = await store.outbox()
      expect(outbox.map(r => r.message.id).sort()).toEqual([b3.message.id, c1.message.id].sort())
      expect(outbox.every(r => r.sealed != null)).toBe(true)
    })

    it('does not let callers change stored records through returned objects', async () => {
      const store = create()
      const record = await queued(BOB, 'x', 1)
      await store.put(record)
      record.message.text = 'changed after put'
      const got = await store.get(BOB, record.message.id)
      expect(got?.message.text).toBe('x')
    })
  })
}

describe('IdbDmStore persistence', () => {
  it('keeps messages and the outbox across a reload (a new store on the same database)', async () => {
    const first = new IdbDmStore('peerlink-dm-reload')
    const r1 = await queued(BOB, 'r1', 1)
    await first.put(r1)
    await first.put({ message: message(BOB, 'r2', 2, 'received') })
    const reloaded = new IdbDmStore('peerlink-dm-reload')
    expect((await reloaded.messages(BOB)).map(m => m.text).sort()).toEqual(['r1', 'text r2'])
    expect((await reloaded.outbox()).map(r => r.sealed)).toEqual([r1.sealed])
  })
})

describe('IdbDmStore reading what dm/1.0.0 stored', () => {
  /** Writes records the way the previous version did (structured clones, keyed [peerId, id]). */
  async function storedByV1 (dbName: string, records: Array<[string, string, unknown]>): Promise<IdbDmStore> {
    const raw = createStore(dbName, DM_DB_STORE)
    for (const [peerId, id, value] of records) await set([peerId, id], value, raw)
    return new IdbDmStore(dbName)
  }

  const v1Queued: DmRecord = {
    message: { id: VECTOR_ID, peerId: vectorSealed.to, from: vectorSealed.from, to: vectorSealed.to, text: VECTOR_TEXT, sentAt: vectorSealed.sentAt, status: 'queued', own: true },
    sealed: vectorSealed
  }

  it('reads a queued message with its sealed copy as it was: it is sent as is, with the same id', async () => {
    const store = await storedByV1('peerlink-dm-v1-ok', [[vectorSealed.to, VECTOR_ID, v1Queued]])
    expect(await store.outbox()).toEqual([v1Queued])
    expect(await store.get(vectorSealed.to, VECTOR_ID)).toEqual(v1Queued)
  })

  it('skips what cannot be used, keeps the rest, and never throws', async () => {
    const to = vectorSealed.to
    const b64 = (bytes: Uint8Array): string => uint8ArrayToString(bytes, 'base64url')
    const delivered = { ...v1Queued.message, id: 'd'.repeat(64), sentAt: 2, status: 'delivered' }
    const received = message(to, 'e', 3, 'received')
    const store = await storedByV1('peerlink-dm-v1-bad', [
      // a queued message without its sealed copy, or with one that is not the seal's fields: it could never be sent
      [to, '1'.repeat(64), { message: { ...v1Queued.message, id: '1'.repeat(64) } }],
      [to, '2'.repeat(64), { message: { ...v1Queued.message, id: '2'.repeat(64) }, sealed: { ...vectorSealed, epk: b64(vectorSealed.epk), ct: b64(vectorSealed.ct) } }],
      [to, '3'.repeat(64), { message: { ...v1Queued.message, id: '3'.repeat(64) }, sealed: { ...vectorSealed, iv: vectorSealed.iv.subarray(1) } }],
      // a sealed copy of another message (its id does not match)
      [to, '4'.repeat(64), { message: { ...v1Queued.message, id: '4'.repeat(64) }, sealed: vectorSealed }],
      // not a message at all
      [to, '5'.repeat(64), 'garbage'],
      [to, '6'.repeat(64), { message: { ...received, id: '6'.repeat(64), status: 'sending' } }],
      [to, '7'.repeat(64), { message: null }],
      // a delivered message that still has its sealed copy: the copy is left out
      [to, delivered.id, { message: delivered, sealed: vectorSealed }],
      [to, received.id, { message: received }],
      [to, VECTOR_ID, v1Queued]
    ])
    expect(await store.outbox()).toEqual([v1Queued])
    expect((await store.messages(to)).map(m => m.id).sort()).toEqual([delivered.id, received.id, VECTOR_ID].sort())
    expect(await store.get(to, delivered.id)).toEqual({ message: delivered })
    expect(await store.get(to, '1'.repeat(64))).toBeUndefined()
    expect(await store.get(to, '5'.repeat(64))).toBeUndefined()
    expect((await store.lastMessages()).map(m => m.id)).toEqual([VECTOR_ID])
  })
})
