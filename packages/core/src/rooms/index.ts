/**
 * Rooms: private group chat by link.
 *
 * - A room is a random id and a random 256-bit key, shared as
 *   `<app url>#/r/<roomId>/<key>` ({@link roomLink}, {@link parseRoomLink});
 *   the key never leaves the fragment or members' devices.
 * - Members meet on a gossipsub topic named by a hash of the room id
 *   ({@link roomTopic}) and through DHT provider records for it on the relays.
 * - Every message is a protobuf envelope (pb/envelope.proto) whose payload
 *   (pb/payload.proto) is AES-GCM encrypted with a key derived (HKDF) from the
 *   room key, signed by its author's identity key; its id is the hash of the
 *   envelope's encoding. History is ordered by hybrid logical clock, then id.
 * - Late joiners pull missing history from members over
 *   {@link ROOM_SYNC_PROTOCOL} (pb/sync.proto: bucket digests, then the
 *   missing envelopes).
 * - History stored by the earlier JSON format is converted when a room opens
 *   (upgrade.ts).
 */
export { Rooms, type RoomsComponents, type RoomsInit } from './rooms.js'
export { Room, type RoomOptions, type SendOptions } from './room.js'
/** The limits of a file preview in a room message. */
export { assertPreview, checkPreview } from './payload.js'
export { createRoomInvite, roomLink, parseRoomLink, roomTopic } from './invite.js'
/** For other protocols scoped to a room's members (calls). */
export { membershipProof, verifyMembershipProof } from './crypto.js'
export { MemoryRoomStore, type RoomStore, type StoredMessage, type JoinedRoom } from './store.js'
export { IdbRoomStore } from './idb-store.js'
export { HybridClock, compareHlc, compareMessages } from './hlc.js'
export * from './constants.js'
export * from './errors.js'
export type * from './types.js'
