import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { Rooms, type RoomsComponents } from '../../src/rooms/rooms.js'
import type { RoomStore } from '../../src/rooms/store.js'
import type { PrivateKey } from '@libp2p/interface'

/** Just enough of a libp2p node for `Rooms` to open its rooms (no network). */
export async function startRooms (store: RoomStore, privateKey: PrivateKey): Promise<Rooms> {
  const pubsub = Object.assign(new TypedEventEmitter(), { subscribe: () => {}, unsubscribe: () => {}, publish: async () => ({ recipients: [] }) })
  const libp2p = {
    peerId: peerIdFromPrivateKey(privateKey),
    services: { pubsub },
    handle: async () => {},
    unhandle: async () => {},
    dialProtocol: async () => { throw new Error('no network in this test') },
    contentRouting: { provide: async () => {}, findProviders: async function * () {} },
    getConnections: () => []
  }
  const rooms = new Rooms({ libp2p: libp2p as unknown as RoomsComponents['libp2p'], privateKey, connectToPeer: async () => {} }, { store })
  await rooms.start()
  return rooms
}
