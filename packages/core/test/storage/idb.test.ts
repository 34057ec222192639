import 'fake-indexeddb/auto'
import { get, keys, set } from 'idb-keyval'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IdbStore, onStoreCleared, type StoreCleared } from '../../src/storage/idb.js'
import { MemoryRoomStore } from '../../src/rooms/index.js'
import { clearSiteData, stopTrackingConnections, trackConnections } from '../support/site-data.js'

let n = 0
/** A store on a database of its own, and what it said. */
function store (): { idb: IdbStore, cleared: StoreCleared[], next: () => Promise<StoreCleared> } {
  const idb = new IdbStore(`idb-test-${n++}`, 's')
  const cleared: StoreCleared[] = []
  const waiting: Array<(c: StoreCleared) => void> = []
  onStoreCleared(idb, c => {
    cleared.push(c)
    waiting.shift()?.(c)
  })
  return { idb, cleared, next: async () => new Promise(resolve => waiting.push(resolve)) }
}

describe('an IndexedDB store whose site data is cleared while it is open', () => {
  beforeEach(() => { trackConnections() })
  afterEach(() => { stopTrackingConnections() })

  it('opens its database again, says it was cleared once, and keeps working: what is written after is kept', async () => {
    const { idb, cleared, next } = store()
    await set('before', 1, idb.run)
    const said = next()
    await clearSiteData()
    expect(await said).toEqual({ database: idb.database })
    // the data is gone (nothing pretends otherwise) and new writes land
    expect(await get('before', idb.run)).toBeUndefined()
    await set('after', 2, idb.run)
    expect(await keys(idb.run)).toEqual(['after'])
    // a second clear is said again, once
    const again = next()
    await clearSiteData()
    await again
    expect(cleared).toHaveLength(2)
    expect(await keys(idb.run)).toEqual([])
  })

  it('runs an operation again on a new connection when the closing one refuses its transaction (InvalidStateError)', async () => {
    const { idb, cleared } = store()
    await set('kept', 1, idb.run)
    const transaction = IDBDatabase.prototype.transaction
    let calls = 0
    // tried: the browser closes the connection, and the next transaction is started before its close event
    IDBDatabase.prototype.transaction = function (...args: Parameters<typeof transaction>) {
      if (calls++ === 0) throw new DOMException('The database connection is closing.', 'InvalidStateError')
      return transaction.apply(this, args)
    }
    try {
      await set('written', 2, idb.run)
    } finally {
      IDBDatabase.prototype.transaction = transaction
    }
    expect(calls).toBe(2)
    // the database was not deleted: nothing is said cleared, and nothing was lost
    expect((await keys(idb.run)).sort()).toEqual(['kept', 'written'])
    expect(cleared).toEqual([])
  })

  it('does not run again an operation that failed for another reason', async () => {
    const { idb } = store()
    let runs = 0
    const err = await idb.run('readonly', () => {
      runs++
      throw new TypeError('a bug in the operation')
    }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TypeError)
    expect(runs).toBe(1)
  })

  it('says nothing when it creates its database the first time', async () => {
    const { idb, cleared } = store()
    await set('first', 1, idb.run)
    await set('second', 2, idb.run)
    expect(cleared).toEqual([])
  })

  it('a store that cannot be cleared (in memory) is listened to without effect', () => {
    const stop = onStoreCleared(new MemoryRoomStore(), () => { throw new Error('never') })
    stop()
  })
})
