import { PROTOCOL_PREFIX, TOPIC_PREFIX } from '../constants.js'

/** History sync between members (request/response over one stream of protobuf frames). */
export const ROOM_SYNC_PROTOCOL = `${PROTOCOL_PREFIX}/room-sync/2.0.0`

/** The version of the room envelopes this device writes (protobuf payloads). */
export const ROOM_ENVELOPE_VERSION = 2
/**
 * The version that marks a message written in the earlier JSON format and
 * converted from stored history: its plaintext is that format's JSON payload.
 */
export const JSON_PAYLOAD_ENVELOPE_VERSION = 1

/** Gossipsub topics of rooms: this prefix and a hash of the room id. */
export const ROOM_TOPIC_PREFIX = `${TOPIC_PREFIX}room/`

/** Largest message text, in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 64 * 1024
/** Largest encoded envelope accepted from the network (text, attachment and headers). */
export const MAX_ENVELOPE_BYTES = 96 * 1024
/** Longest a history sync with one member (every round) or serving one request may take. */
export const SYNC_TIMEOUT_MS = 30_000
/** Largest sync frame. */
export const MAX_SYNC_FRAME_BYTES = 1024 * 1024
/** Most messages one sync request returns; the client asks again for the rest. */
export const MAX_SYNC_MESSAGES = 500
/** Bytes of envelopes per sync batch frame. */
export const SYNC_BATCH_BYTES = 256 * 1024
/** History is compared in buckets of this many ms of HLC wall time. */
export const SYNC_BUCKET_MS = 60 * 60 * 1000
/** Most buckets or ids one sync frame may list. */
export const MAX_SYNC_LIST = 20_000

/** Presence is announced this often, and members silent for OFFLINE_AFTER_MS are offline. */
export const PRESENCE_INTERVAL_MS = 5_000
export const OFFLINE_AFTER_MS = 16_000
/** Every this many presence intervals, history is compared with one online member. */
export const ANTI_ENTROPY_TICKS = 6
/** Read receipts are batched for this long. */
export const RECEIPT_DELAY_MS = 500
/** Most message ids one read receipt carries. */
export const MAX_RECEIPT_IDS = 1000

/** Rate limit per author: a burst of RATE_BURST messages, refilled at RATE_PER_SECOND. */
export const RATE_BURST = 30
export const RATE_PER_SECOND = 3

/** Largest name of a shared file in a message, in UTF-8 bytes (the file layer's own limit). */
export const MAX_FILE_NAME_BYTES = 1024
/** Largest MIME type of a shared file in a message. */
export const MAX_FILE_TYPE_LENGTH = 255

/** Largest thumbnail of a file preview in a message, in bytes (senders aim at a third of it). */
export const MAX_THUMBNAIL_BYTES = 64 * 1024
/** The types a file preview's thumbnail may have. */
export const THUMBNAIL_TYPES = ['image/webp', 'image/jpeg', 'image/png'] as const
/**
 * Largest width or height, in pixels, a thumbnail's header may declare (senders
 * make 320): a small file must not decode to a huge picture.
 */
export const MAX_THUMBNAIL_SIDE = 1024
/** Largest width or height, in pixels, a file preview may give for its file. */
export const MAX_PREVIEW_DIMENSION = 65_535

/** Largest display name, in characters. */
export const MAX_NAME_LENGTH = 64
/** Largest room name, in characters (UTF-16 code units). */
export const MAX_ROOM_NAME_LENGTH = 64

/**
 * The emoji members can react with, in the order they are shown. A reaction
 * with any other is malformed: adding one is a change other peers must know.
 */
export const REACTION_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🎉'] as const

/** A member sends at most one typing notice this often while typing. */
export const TYPING_INTERVAL_MS = 3_000
/** A member is shown typing for this long after its last notice (or until its message arrives). */
export const TYPING_TIMEOUT_MS = 6_000

/**
 * A message from further in the future than this, by our clock, is rejected
 * (live and by sync), before our hybrid clock looks at it. Devices' clocks may
 * be off by an hour either way (a wrong time zone or summer-time setting):
 * two such members are 2 h apart, and the hybrid clock carries the fastest
 * member's time to everyone's messages, so the slowest member sees messages
 * up to 2 h ahead of its clock. Five minutes here dropped every message and
 * presence of a member an hour ahead.
 *
 * What a hostile member can do with it: move each member's hybrid clock to
 * at most this far ahead of that member's own clock (and keep it there by
 * sending again), never further, however many members pass the time on. The
 * cost is bounded by the honest members' spread, not by this limit: a dragged
 * member's messages are up to that spread (2 h for ±1 h clocks) too far ahead
 * for a member whose clock is that much slower, who then gets them by history
 * sync once its clock has caught up, that much later.
 */
export const MAX_CLOCK_SKEW_MS = 3 * 60 * 60 * 1000

/** A room message's id: the SHA-256 of its envelope, 32 bytes. */
export const MESSAGE_ID_BYTES = 32

/** The AES-GCM IV of a room message, 12 bytes. */
export const AES_GCM_IV_BYTES = 12
