/**
 * Protocol id, size limits and timings of direct messages.
 */
import { PROTOCOL_PREFIX } from '../constants.js'
import type { BackoffOptions } from '../connectivity/backoff.js'

/**
 * Stream protocol of direct messages. Bump the version when the wire format
 * changes (2.0.0: protobuf frames, pb/dm.proto; 1.0.0 had JSON frames).
 */
export const DM_PROTOCOL = `${PROTOCOL_PREFIX}/dm/2.0.0`

/** Largest message text, in UTF-8 bytes. */
export const MAX_DM_TEXT_BYTES = 64 * 1024

/**
 * Largest wire frame (a protobuf DmFrame, before the length prefix). A sealed
 * message of MAX_DM_TEXT_BYTES is 65,552 bytes of ciphertext plus about 230
 * bytes of PeerIds, key, nonce, signature and tags; the rest is headroom.
 */
export const MAX_DM_FRAME_BYTES = 66 * 1024

/** Longest PeerId (multihash bytes) accepted in a frame (Ed25519 ones are 38 bytes). */
export const MAX_PEER_ID_BYTES = 64

/** How long the sender waits for the ack of one message. */
export const DM_ACK_TIMEOUT_MS = 10_000

/** How long a receiving stream may stay idle between two messages. */
export const DM_IDLE_TIMEOUT_MS = 30_000

/** Retry delays while messages to a peer are queued. */
export const DM_RETRY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000, jitter: 0.3 }

/**
 * Domain separation of signatures, key derivation and safety numbers. The
 * seal's context names the seal construction, not the wire format: it is the
 * same in dm/1.0.0 and dm/2.0.0, so a message sealed by either opens in both.
 */
export const DM_SEAL_CONTEXT = 'peerlink-dm-seal-v1'
export const DM_SAFETY_CONTEXT = 'peerlink-dm-safety-number-v1'
