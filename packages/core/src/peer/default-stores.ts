import { MemoryRoomStore, type RoomStore } from '../rooms/index.js'

/** Where a peer keeps its data when `createPeer` is given no stores. Node: in memory. */
export function defaultStores (): { rooms: RoomStore } {
  return { rooms: new MemoryRoomStore() }
}
