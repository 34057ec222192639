/**
 * Call errors: one class per condition, each with a stable `name`.
 */

/** A signaling frame is not well formed (bad JSON, type, keys, field types or values). */
export class CallMalformedError extends Error {
  override readonly name = 'CallMalformedError'
}

/** A signaling frame, SDP or candidate is larger than allowed. */
export class CallTooLargeError extends Error {
  override readonly name = 'CallTooLargeError'
}

/** The peer did not prove it holds the room key (or named a room we are not in). */
export class CallNotMemberError extends Error {
  override readonly name = 'CallNotMemberError'
}

/** The peer is not (or no longer) in the call. */
export class CallNotInCallError extends Error {
  override readonly name = 'CallNotInCallError'
}

/** The call already has MAX_CALL_PARTICIPANTS participants. */
export class CallFullError extends Error {
  override readonly name = 'CallFullError'
}

/** The peer sent a valid frame at the wrong time (a second hello, a signal before the hello…). */
export class CallProtocolError extends Error {
  override readonly name = 'CallProtocolError'
}

/** The peer did not answer in time. */
export class CallTimeoutError extends Error {
  override readonly name = 'CallTimeoutError'
}

/** The room is not joined on this device, or the call was left. */
export class CallUnavailableError extends Error {
  override readonly name = 'CallUnavailableError'
}

/** An ICE server entry in the settings is not a usable STUN/TURN URL (with credentials for TURN). */
export class InvalidIceServerError extends Error {
  override readonly name = 'InvalidIceServerError'
}
