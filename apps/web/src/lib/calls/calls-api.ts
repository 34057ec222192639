/**
 * The seam between calls in the app and @peerlink/core's calls (signaling,
 * participants, perfect negotiation): the call classes import core from here only.
 */
export { MAX_CALL_PARTICIPANTS, PerfectNegotiation, videoEncodingFor } from '@peerlink/core'
export type { Call, CallSignal, Member, Participant, Peerlink, Room } from '@peerlink/core'
