/**
 * Calls: audio and video between the members of a room, as a full mesh of
 * WebRTC peer connections (DTLS-SRTP end to end), signaled over libp2p.
 *
 * **Who is in a call.** A room has at most one call: the members whose room
 * presence says they are in it. Joining ({@link Calls.join}) sets a `call`
 * flag on our presence (`Room.setInCall`), which is encrypted with the room
 * key like every room message, sent at once and with every presence after
 * (every 5 s); a member who goes offline (silent 16 s) is out of the call.
 * "Start call" and "Join call" are the same operation: the first member in
 * starts it. `Member.inCall` tells the app who is in the call.
 *
 * **Signaling.** Each pair of participants has one stream of
 * {@link CALL_PROTOCOL} (`/peerlink/call/2.0.0`), opened by the one whose
 * PeerId sorts first, on any connection to the other: direct or relayed (the
 * protocol is registered and opened with `runOnLimitedConnection`, and is
 * small: SDP, ICE candidates, state). Frames are length-prefixed protobuf
 * `CallFrame` messages (`pb/call.proto`), each validated strictly (required
 * fields present, SDP ≤ {@link MAX_SDP_BYTES}, candidates ≤
 * {@link MAX_CANDIDATE_CHARS}, frame ≤ {@link MAX_CALL_FRAME_BYTES});
 * a bad frame aborts the stream with a named error ({@link CallMalformedError},
 * {@link CallTooLargeError}, {@link CallProtocolError}).
 *
 * - Both sides first send a `hello`: the room topic, a membership proof
 *   (HMAC-SHA256 with the room's membership key over the topic, a call
 *   context and the sender's PeerId: only a holder of the room key can make
 *   it, and it is bound to the stream's Noise-authenticated remote PeerId),
 *   a random session id per join, the session of the other side it still has
 *   a connection with (`known`), and what it sends (audio/video/screen).
 *   A peer without a valid proof is sent `refuse` (`not-member`) and the
 *   stream is closed; a member not in the call gets `not-in-call`; a full
 *   call (MAX_CALL_PARTICIPANTS) `full`.
 * - Then `sdp` (offer/answer) and `ice` frames carry the app's perfect
 *   negotiation ({@link PerfectNegotiation}: the side whose PeerId sorts
 *   last is polite), `media` frames carry mute/camera/screen state, `ping`
 *   keeps an idle stream alive and `bye` ends the participant's part.
 *
 * **Leaving and losing.** A participant leaves our view when it says `bye`,
 * when its presence stops saying it is in the call (left, or reloaded: a
 * reload is a new session), when it goes offline, or when its signaling
 * stream broke and was not re-made within {@link CALL_LINK_GRACE_MS} (the
 * dialing side re-dials with backoff; media keeps flowing meanwhile, since a
 * relayed connection may be closed by its relay's limits). A member who comes
 * back joins again with a new session; both sides then start a new peer
 * connection. Leaving the room or stopping the peer leaves its call.
 *
 * **Media is the app's.** Core never touches browser globals: the app makes
 * the RTCPeerConnection per participant (ICE servers from settings: none by
 * default, so nothing but the members learns addresses; a LAN or loopback
 * needs none; {@link parseIceServers} reads STUN/TURN lines), adds its tracks,
 * wires {@link PerfectNegotiation} to {@link Call.signal} and the
 * `participant:signal` event, and sizes the video it sends with
 * {@link videoEncodingFor} as the mesh grows.
 */
export { Calls, type CallsComponents, type CallsInit, type JoinOptions } from './calls.js'
export { Call, type CallRoom } from './call.js'
export { PerfectNegotiation, type NegotiatingConnection, type NegotiationInit } from './negotiation.js'
export { videoEncodingFor, parseIceServers, VIDEO_UPLOAD_BUDGET, MAX_VIDEO_BITRATE, MIN_VIDEO_BITRATE, type VideoEncoding, type IceServer } from './media.js'
export { encodeCallFrame, decodeCallFrame, newSessionId, type CallFrame, type RefuseReason } from './codec.js'
export * from './constants.js'
export * from './errors.js'
export type * from './types.js'
