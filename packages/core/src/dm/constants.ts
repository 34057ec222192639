/**
 * Protocol id, size limits and timings of direct messages.
 */
import { PROTOCOL_PREFIX } from '../constants.js'
import type { BackoffOptions } from '../connectivity/backoff.js'

/** Stream protocol of direct messages. Bump the version when the wire format changes. */
export const DM_PROTOCOL = `${PROTOCOL_PREFIX}/dm/1.0.0`

/** Largest message text, in UTF-8 bytes. */
export const MAX_DM_TEXT_BYTES = 64 * 1024

/**
 * Largest wire frame (JSON, before the length prefix). A sealed message of
 * MAX_DM_TEXT_BYTES is about 88 KiB once its ciphertext is base64url encoded;
 * the rest is headroom for the PeerIds, key, nonce and signature.
 */
export const MAX_DM_FRAME_BYTES = 96 * 1024

/** Longest PeerId string accepted in a frame (Ed25519 ones are 52 characters). */
export const MAX_PEER_ID_CHARS = 128

/** Opening a DM stream, including finding and connecting to the peer. */
export const DM_DIAL_TIMEOUT_MS = 20_000

/** Opening a DM stream on a connection we already have (a half-open one must not stall delivery). */
export const DM_STREAM_TIMEOUT_MS = 5_000

/** How long the sender waits for the ack of one message. */
export const DM_ACK_TIMEOUT_MS = 10_000

/** How long a receiving stream may stay idle between two messages. */
export const DM_IDLE_TIMEOUT_MS = 30_000

/** Retry delays while messages to a peer are queued. */
export const DM_RETRY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000, jitter: 0.3 }

/** Domain separation of signatures, key derivation and safety numbers. */
export const DM_SEAL_CONTEXT = 'peerlink-dm-seal-v1'
export const DM_SAFETY_CONTEXT = 'peerlink-dm-safety-number-v1'
