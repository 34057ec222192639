/**
 * Protocol id, size limits and timings of calls.
 */
import { PROTOCOL_PREFIX } from '../constants.js'
import type { BackoffOptions } from '../connectivity/backoff.js'

/**
 * Call signaling between two participants: one stream per pair, both ways.
 * Bump the version when the wire format changes.
 */
export const CALL_PROTOCOL = `${PROTOCOL_PREFIX}/call/2.0.0`

/** Largest SDP offer or answer, in UTF-8 bytes. Chromium's are 2–10 KiB for audio+video. */
export const MAX_SDP_BYTES = 64 * 1024

/** Largest ICE candidate line, in characters (real ones are under 200). */
export const MAX_CANDIDATE_CHARS = 1024

/** Largest media id (`a=mid`) and ICE username fragment, in characters. */
export const MAX_MID_CHARS = 64
export const MAX_UFRAG_CHARS = 256

/** Largest `sdpMLineIndex` accepted (an m-line per track: a 6-person mesh has 2 per peer). */
export const MAX_MLINE_INDEX = 1023

/**
 * Largest wire frame (the protobuf CallFrame, before the length prefix): an
 * SDP of MAX_SDP_BYTES and the few bytes around it, with room to spare.
 */
export const MAX_CALL_FRAME_BYTES = 96 * 1024

/** Most participants in one call (ourselves included): a full mesh beyond this is unusable. */
export const MAX_CALL_PARTICIPANTS = 8

/** How long either side waits for the other's hello. */
export const CALL_HELLO_TIMEOUT_MS = 10_000

/** A keepalive frame goes out this often on an idle signaling stream. */
export const CALL_KEEPALIVE_MS = 25_000

/**
 * How long a participant whose signaling stream broke (without a bye) stays
 * in the call while the stream is re-established. Media keeps flowing
 * meanwhile: the RTCPeerConnection does not need the stream once connected.
 */
export const CALL_LINK_GRACE_MS = 30_000

/**
 * One attempt at opening a signaling stream (finding and connecting to the
 * participant included): shorter than the shared CONNECT_TIMEOUT_MS, so that
 * a second attempt still fits in {@link CALL_LINK_GRACE_MS}.
 */
export const CALL_DIAL_TIMEOUT_MS = 20_000

/** Most signals kept for a participant while its signaling stream is re-established. */
export const MAX_QUEUED_SIGNALS = 256

/** Delays between attempts to open a signaling stream to a participant. */
export const CALL_RETRY_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 8_000, jitter: 0.2 }

/**
 * Suffix of the room topic in a call's membership proof, so a proof made for
 * one protocol (history sync) is never the proof of another.
 */
export const CALL_PROOF_CONTEXT = '#call/v1'
