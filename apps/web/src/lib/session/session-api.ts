/**
 * The seam between the session (the running peer, its identity and
 * connectivity) and @peerlink/core: the session classes import core from here
 * only, components only the plain types.
 */
export {
  createPeer, exportIdentity, IdbKeyStore, IdentityKeeper, loadOrCreateIdentity, MemoryChunkStore, MemoryDmStore, MemoryKeyStore,
  MemoryRoomStore, MemoryTransferStore, openIdentity, parseIdentityFile, parsePeerId, peerIdOf
} from '@peerlink/core'
export type {
  ConnectionInfo, ConnectionLimits, ConnectionPath, ConnectionStats, IceServerStatus, IdentityCheck, Peerlink, PeerStatus, PeerStores, RelayState, RelayStatus, StorageCleared, TransportName
} from '@peerlink/core'
