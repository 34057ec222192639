import { MemoryDmStore } from '../dm/index.js'
import { MemoryChunkStore, MemoryTransferStore } from '../files/index.js'
import { MemoryRoomStore } from '../rooms/index.js'
import type { PeerStores } from './types.js'

/** Where a peer keeps its data when `createPeer` is given no stores. Node: in memory. */
export function defaultStores (): PeerStores {
  return { rooms: new MemoryRoomStore(), dms: new MemoryDmStore(), chunks: new MemoryChunkStore(), transfers: new MemoryTransferStore() }
}
