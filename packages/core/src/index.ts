/**
 * @peerlink/core: the Peerlink peer (a libp2p node for browsers and Node),
 * identity, relay configuration and connectivity events. No UI code.
 */
export * from './constants.js'
export * from './errors.js'
export { parseRelayEntry, parseRelayList, relaysFromUrl, RELAY_URL_PARAM, type RelayEntry, type RelayListParseResult } from './config/relays.js'
export { parseRelayInfo, fetchRelayInfo, type RelayInfo } from './config/relay-info.js'
export { loadOrCreateIdentity, exportIdentity, importIdentity, parseIdentityFile, identityFileName } from './identity/identity.js'
export { MemoryKeyStore, type KeyStore } from './identity/key-store.js'
export { IdbKeyStore } from './identity/idb-key-store.js'
export { backoffDelay, type BackoffOptions } from './connectivity/backoff.js'
export { transportOf, describeConnection, type ConnectionInfo, type TransportName } from './connectivity/connection-info.js'
export type { RelayStatus, RelayState } from './connectivity/relay-keeper.js'
export type { PeerStatus } from './connectivity/peer-tracker.js'
export { RelayKeeper, type RelayKeeperEvents } from './connectivity/relay-keeper.js'
export { parsePeerId, peerIdOf } from './peer/peer-id.js'
export { createPeer, type PeerInit, type PeerStores } from './peer/create-peer.js'
export { Peerlink, type PeerlinkEvents } from './peer/peerlink.js'
export type { PeerlinkLibp2p, PeerlinkServices } from './peer/services.js'
export * from './rooms/index.js'
export * from './dm/index.js'
export * from './calls/index.js'
export * from './files/index.js'
