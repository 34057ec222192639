/**
 * The seam between the web app and @peerlink/core's rooms and direct
 * messages: the lib classes import these from here.
 */
import type { Peerlink } from '@peerlink/core'

export { parseRoomLink, roomLink, type DirectMessages, type Room, type Rooms } from '@peerlink/core'
export type { ChatMessage, ConversationSummary, DirectMessage, DropReason, Member, RoomInvite, RoomSummary } from '@peerlink/core'

/** A running peer, with its rooms and direct messages. */
export type ChatPeer = Peerlink
