/** What a room link carries: the room's id and its 256-bit key. */
export interface RoomInvite {
  /** Random id, base64url (16 bytes). */
  roomId: string
  /** The room key, 32 bytes. Lives only in the link's fragment and on members' devices. */
  key: Uint8Array
}

/** A hybrid logical clock timestamp: wall-clock ms and a counter for ties. */
export interface Hlc {
  wall: number
  counter: number
}

/**
 * `sending`: ours, not yet published to any peer (offline; retried).
 * `sent`: ours, published. `seen`: ours, and another member has it.
 * `unreadable`: ours, and no member can read it: this device's room key is not
 * the one the room's members use (see {@link RoomKeyState}); it is kept, not
 * published, and sent once another member's message decrypts with our key.
 * `received`: someone else's.
 */
export type MessageStatus = 'sending' | 'sent' | 'seen' | 'unreadable' | 'received'

/**
 * Whether this device's room key is the room's:
 * `confirmed`: we created the room, or a message of another member decrypted with it;
 * `unconfirmed`: no other member heard from yet;
 * `mismatch`: not confirmed, and another member's correctly signed message did
 * not decrypt with it (or a member refused our membership proof): the link we
 * joined by carries a wrong key.
 */
export type RoomKeyState = 'confirmed' | 'unconfirmed' | 'mismatch'

/** Why a room's key was found not to be the room's. */
export type KeyMismatchReason = 'undecryptable' | 'sync-refused'

/**
 * A file shared in a room: its root CID and link key (the room's encryption
 * protects the key), and what the manifest says, so members see the name and
 * size before fetching anything.
 */
export interface FileAttachment {
  /** Root CID, base32 CIDv1. */
  cid: string
  /** The file's link key, base64url (32 bytes). */
  key: string
  name: string
  size: number
  /** MIME type, `''` when unknown. */
  type: string
  /** An image's or video's thumbnail and size, when the sender could make one. */
  preview?: FilePreview
}

/**
 * A shared image's or video's thumbnail (travelling in the room message,
 * encrypted with it) and the full file's size in pixels. Limits: see
 * {@link checkPreview}.
 */
export interface FilePreview {
  /** The thumbnail's bytes, at most MAX_THUMBNAIL_BYTES. */
  thumbnail: Uint8Array
  /** One of THUMBNAIL_TYPES, matching the bytes. */
  type: string
  /** The full image's or video's width and height in pixels (1 to MAX_PREVIEW_DIMENSION). */
  width: number
  height: number
  /** A video's length in ms, when known. */
  durationMs?: number
}

/**
 * Why a received file preview was dropped (the message is kept without it):
 * `oversized`: its thumbnail is larger than MAX_THUMBNAIL_BYTES;
 * `bad-type`: its type is not an allowed one, or the bytes do not start with that type's header;
 * `bad-dimensions`: the file's width or height is 0 or above MAX_PREVIEW_DIMENSION, or the
 * thumbnail's header declares a side of 0 or above MAX_THUMBNAIL_SIDE.
 */
export type PreviewRejection = 'oversized' | 'bad-type' | 'bad-dimensions'

export interface ChatMessage {
  /** Content hash of the signed envelope (hex sha-256). */
  id: string
  roomId: string
  /** Author's PeerId (the signature is checked against it). */
  author: string
  /** Author's display name when the message was written. */
  authorName: string
  /** May be empty when the message carries a file. */
  text: string
  /** A file shared with this message. */
  file?: FileAttachment
  hlc: Hlc
  status: MessageStatus
  /** True for our own messages. */
  own: boolean
  /** The id of the message this one answers (which this device may not hold). */
  replyTo?: string
  /** The author edited it: `text` is the latest edit's. */
  edited?: boolean
  /**
   * The author deleted it: its text, file and edits are gone from this
   * device, only this tombstone remains.
   */
  deleted?: boolean
  /** Who reacted how: emoji (in REACTION_EMOJI order) → PeerIds, in the order they reacted. */
  reactions?: Record<string, string[]>
}

export type MemberState = 'online' | 'away' | 'offline'

export interface Member {
  peerId: string
  name: string
  state: MemberState
  /** Epoch ms of the last sign of life. */
  lastSeen: number
  self: boolean
  /** In the room's call, per its presence (never while offline). */
  inCall: boolean
}

export interface RoomSummary {
  roomId: string
  joinedAt: number
  /** The room's name (see `Room.name`); empty while no member named it. */
  name: string
}

/**
 * Why an incoming frame was dropped (counted per room, never shown as a
 * message). `not-author`: an edit or deletion of another member's message.
 */
export type DropReason = 'malformed' | 'oversized' | 'bad-signature' | 'undecryptable' | 'rate-limited' | 'wrong-room' | 'not-author'

export interface RoomEvents {
  /** A message joined the room's history (ours or someone's), in HLC order position. */
  'message:added': CustomEvent<ChatMessage>
  /**
   * A message changed: one of ours changed status (sending → sent → seen), or
   * a message was edited, deleted or reacted to.
   */
  'message:updated': CustomEvent<ChatMessage>
  /** The member list or a member's state changed. */
  'members:changed': CustomEvent<Member[]>
  /** An incoming frame was rejected. */
  'message:dropped': CustomEvent<{ reason: DropReason, from?: string }>
  /**
   * Our room key cannot read the room's messages (see {@link RoomKeyState}):
   * `from` is the member whose signed message did not decrypt, or who refused
   * our membership proof. Emitted once, when the state turns to `mismatch`.
   */
  'room:key-mismatch': CustomEvent<{ reason: KeyMismatchReason, from: string }>
  /** A message of another member decrypted with our key: the state turned to `confirmed`. */
  'room:key-confirmed': CustomEvent<{ from: string }>
  /** The room's name changed (`by`: the member whose name is now the latest). */
  'room:renamed': CustomEvent<{ name: string, by: string }>
  /** Who is typing changed: the PeerIds of the members typing now. */
  'typing:changed': CustomEvent<string[]>
  /** A received message's file preview broke a limit: the message `id` was kept without it. */
  'preview:dropped': CustomEvent<{ reason: PreviewRejection, id: string, from: string }>
}

export interface RoomsEvents {
  /** A room was joined, left or renamed. */
  'rooms:changed': CustomEvent<RoomSummary[]>
  /**
   * The browser's storage for this site was cleared while the app ran: the
   * joined rooms, their keys, the display name and each room's history were
   * written back from what this page holds, and the history sync asked every
   * member online for what it holds that we do not.
   */
  'storage:cleared': CustomEvent<RoomsCleared>
}

/** What was written back after a clear of the browser's storage. */
export interface RoomsCleared {
  rooms: number
  messages: number
}
