/**
 * The seam between the web app and @peerlink/core's rooms and direct messages:
 * the lib classes import these from here, never from core directly.
 *
 * TEMPORARY (direct messages): mirrors the DirectMessages API that core is
 * about to export and attach to `Peerlink` as `dms`; replaced by re-exports
 * from '@peerlink/core' once it lands.
 */
import type { Peerlink } from '@peerlink/core'
import type { ConversationSummary, DirectMessage, DirectMessagesEvents } from '../../../../packages/core/src/dm/types.ts'

export { parseRoomLink, roomLink, type Room, type Rooms } from '@peerlink/core'
export type { ChatMessage, DropReason, Member, RoomInvite, RoomSummary } from '@peerlink/core'
export type { ConversationSummary, DirectMessage }

export interface DirectMessages {
  addEventListener<K extends keyof DirectMessagesEvents>(type: K, listener: (evt: DirectMessagesEvents[K]) => void): void
  removeEventListener<K extends keyof DirectMessagesEvents>(type: K, listener: (evt: DirectMessagesEvents[K]) => void): void
  send(peerId: string, text: string): Promise<DirectMessage>
  conversation(peerId: string): Promise<DirectMessage[]>
  conversations(): Promise<ConversationSummary[]>
  safetyNumber(peerId: string): string
}

/** A running peer; `dms` is missing while core does not provide it yet. */
export type ChatPeer = Peerlink & { dms?: DirectMessages }
