/**
 * @peerlink/core: the Peerlink peer (a libp2p node for browsers and Node),
 * identity, relay configuration and connectivity events. No UI code.
 *
 * This entry exports what the app, the relay, the browser tests and the bench
 * use; everything else stays inside the package (each protocol folder's
 * index.ts documents that protocol's own API).
 */

// The peer
export { createPeer } from './peer/create-peer.js'
export { Peerlink, type PeerlinkEvents, type StorageCleared } from './peer/peerlink.js'
export type { PeerInit, PeerStores } from './peer/types.js'

// Protocol ids and paths the relay serves
export { DHT_PROTOCOL, TOPIC_PREFIX, RELAY_INFO_PATH, RELAY_PING_STREAM_MS } from './constants.js'

// Identity
export { loadOrCreateIdentity, openIdentity, exportIdentity, importIdentity, parseIdentityFile, identityFileName } from './identity/identity.js'
export { MemoryKeyStore } from './identity/key-store.js'
export { IdbKeyStore } from './identity/idb-key-store.js'
export { IdentityKeeper, type IdentityCheck } from './identity/keeper.js'
export { parsePeerId, peerIdOf } from './peer-id.js'

// Relay configuration and ICE servers
export { parseRelayEntry, parseRelayList, relaysFromUrl, RELAY_URL_PARAM, type RelayEntry } from './config/relays.js'
export { parseIceUrl, turnCredential, type IceServerEntry } from './config/ice-servers.js'
export { APP_CONFIG_PATH, parseAppConfig } from './config/app-config.js'

// Connectivity status
export { DEFAULT_RELAY_HEARTBEAT, RelayKeeper, RESERVATION_WAIT_MS, type RelayHeartbeat, type RelayState, type RelayStatus } from './connectivity/relay-keeper.js'
export { RelayProbes } from './connectivity/relay-probe.js'
export type { ConnectionInfo, ConnectionLimits, TransportName } from './connectivity/connection-info.js'
export type { ConnectionStats } from './connectivity/connection-stats.js'
export type { ConnectionPath } from './connectivity/ice-route.js'
export type { PeerStatus } from './connectivity/peer-tracker.js'
export type { IceServerStatus } from './connectivity/ice-check.js'

// Rooms
export { Rooms, Room, MemoryRoomStore, roomLink, parseRoomLink, roomTopic, REACTION_EMOJI, RATE_BURST, RATE_PER_SECOND, checkPreview, InvalidPreviewError, MAX_THUMBNAIL_BYTES, THUMBNAIL_TYPES } from './rooms/index.js'
export type { ChatMessage, DropReason, FileAttachment, FilePreview, Member, PreviewRejection, RoomInvite, RoomSummary, SendOptions } from './rooms/index.js'

// Direct messages
export { DirectMessages, MemoryDmStore } from './dm/index.js'
export type { DirectMessage, ConversationSummary } from './dm/index.js'

// Calls
export { Call, PerfectNegotiation, MAX_CALL_PARTICIPANTS, parseIceServers, videoEncodingFor } from './calls/index.js'
export type { CallEvents, CallSignal, IceServer, Participant } from './calls/index.js'

// Files
export { Files, fileLink, parseFileLink, openFile, MemoryChunkStore, IdbChunkStore, MemoryTransferStore, IdbTransferStore } from './files/index.js'
export type { ChunkStore, DownloadInit, FileLink, FileSink, NamedFile, SaveOptions, SharedFile, TransferState, TransferStatus } from './files/index.js'
