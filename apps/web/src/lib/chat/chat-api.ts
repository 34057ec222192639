/**
 * The seam between the web app and @peerlink/core's rooms and direct
 * messages: the chat classes import core from here only, components only the plain types.
 */
export { parseRoomLink, REACTION_EMOJI, roomLink } from '@peerlink/core'
export type {
  ChatMessage, ConversationSummary, DirectMessage, DirectMessages, DropReason, FileAttachment, Member, Peerlink, Room, RoomInvite, Rooms, RoomSummary
} from '@peerlink/core'
