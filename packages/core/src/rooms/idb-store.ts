import { clear, del, delMany, get, set, setMany, values, type UseStore } from 'idb-keyval'
import { TypedEventEmitter } from 'main-event'
import { openIdbStore, type StoreEvents } from '../storage/idb.js'
import type { JoinedRoom, RoomStore, StoredRecord } from './store.js'

const ROOMS_KEY = 'rooms'

/**
 * Room state in the browser's IndexedDB: the joined rooms and settings in one
 * database, each room's messages in a database of its own (loaded whole when
 * the room opens, deleted whole when it is left). Says `store:cleared` when
 * the browser deleted one of these databases while the app ran (see IdbStore).
 */
export class IdbRoomStore extends TypedEventEmitter<StoreEvents> implements RoomStore {
  private readonly meta: UseStore = openIdbStore('peerlink-rooms', 'kv', this)
  private readonly perRoom = new Map<string, UseStore>()

  async rooms (): Promise<JoinedRoom[]> {
    return (await get<JoinedRoom[]>(ROOMS_KEY, this.meta)) ?? []
  }

  async addRoom (room: JoinedRoom): Promise<void> {
    const rooms = (await this.rooms()).filter(r => r.roomId !== room.roomId)
    await set(ROOMS_KEY, [...rooms, room], this.meta)
  }

  async removeRoom (roomId: string): Promise<void> {
    await set(ROOMS_KEY, (await this.rooms()).filter(r => r.roomId !== roomId), this.meta)
    await clear(this.messageStore(roomId))
  }

  async messages (roomId: string): Promise<StoredRecord[]> {
    return values<StoredRecord>(this.messageStore(roomId))
  }

  async putMessages (roomId: string, messages: StoredRecord[]): Promise<void> {
    await setMany(messages.map(m => [m.id, m]), this.messageStore(roomId))
  }

  async removeMessages (roomId: string, ids: string[]): Promise<void> {
    await delMany(ids, this.messageStore(roomId))
  }

  async getSetting (name: string): Promise<string | undefined> {
    return get<string>(`setting:${name}`, this.meta)
  }

  async setSetting (name: string, value: string): Promise<void> {
    if (value === '') await del(`setting:${name}`, this.meta)
    else await set(`setting:${name}`, value, this.meta)
  }

  private messageStore (roomId: string): UseStore {
    let store = this.perRoom.get(roomId)
    if (store == null) {
      store = openIdbStore(`peerlink-room-${roomId}`, 'messages', this)
      this.perRoom.set(roomId, store)
    }
    return store
  }
}
