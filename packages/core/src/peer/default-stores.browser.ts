import { IdbDmStore } from '../dm/index.js'
import { IdbChunkStore, IdbTransferStore } from '../files/index.js'
import { IdbRoomStore } from '../rooms/index.js'
import type { PeerStores } from './types.js'

/** Where a peer keeps its data when `createPeer` is given no stores. Browsers: IndexedDB. */
export function defaultStores (): PeerStores {
  return { rooms: new IdbRoomStore(), dms: new IdbDmStore(), chunks: new IdbChunkStore(), transfers: new IdbTransferStore() }
}
