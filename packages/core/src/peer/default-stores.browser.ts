import { IdbRoomStore, type RoomStore } from '../rooms/index.js'

/** Where a peer keeps its data when `createPeer` is given no stores. Browsers: IndexedDB. */
export function defaultStores (): { rooms: RoomStore } {
  return { rooms: new IdbRoomStore() }
}
