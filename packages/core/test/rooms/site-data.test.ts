/**
 * Rooms whose site data is cleared while they run: what the page holds (the
 * joined rooms, their keys, the display name, every room's history) is
 * written back, so a restart (a reload) still has it.
 */
import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IdbRoomStore } from '../../src/rooms/idb-store.js'
import { clearSiteData, stopTrackingConnections, trackConnections } from '../support/site-data.js'
import { startRooms } from '../support/rooms.js'
import type { RoomsCleared } from '../../src/rooms/types.js'

describe('rooms when the site data is cleared while they run', () => {
  beforeEach(() => { trackConnections() })
  afterEach(() => { stopTrackingConnections() })

  it('writes back the joined rooms, keys, name and history, and keeps storing new messages', async () => {
    const me = await generateKeyPair('Ed25519')
    const rooms = await startRooms(new IdbRoomStore(), me)
    await rooms.setDisplayName('Ann')
    const created = await rooms.create()
    const joined = await rooms.join({ roomId: 'other-room', key: new Uint8Array(32).fill(7) })
    await created.send('one')
    await created.send('two')
    await joined.send('three')

    // tried: every database deleted and every connection closed by force, as "Clear site data" does
    const said: RoomsCleared[] = []
    const done = new Promise<void>(resolve => {
      rooms.addEventListener('storage:cleared', evt => {
        said.push(evt.detail)
        resolve()
      })
    })
    await clearSiteData()
    await done
    expect(said[0]).toEqual({ rooms: 2, messages: 3 })
    await created.send('four, after the clear')
    await rooms.stop()

    // a restart reads it all back
    const again = await startRooms(new IdbRoomStore(), me)
    expect(again.list().map(r => r.roomId).sort()).toEqual([created.roomId, joined.roomId].sort())
    expect(again.displayName).toBe('Ann')
    expect(again.get(created.roomId)?.messages().map(m => m.text)).toEqual(['one', 'two', 'four, after the clear'])
    expect(again.get(joined.roomId)?.messages().map(m => m.text)).toEqual(['three'])
    expect(again.get(joined.roomId)?.invite.key).toEqual(new Uint8Array(32).fill(7))
    // the room this device created still counts as its own (its key is the room's)
    expect(again.get(created.roomId)?.keyState).toBe('confirmed')
    await again.stop()
  })
})
