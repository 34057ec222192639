/**
 * Types the components may use, re-exported so that components never import
 * @peerlink/core themselves.
 */
export type { ConnectionInfo, ConnectionPath, IceServerStatus, PeerStatus, RelayState, RelayStatus, TransportName } from '@peerlink/core'
export type { ConversationSummary, Member } from './chat/chat-api.ts'
