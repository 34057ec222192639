/** What a participant sends: its microphone, its camera, its screen. `false` means off (muted). */
export interface MediaState {
  audio: boolean
  video: boolean
  screen: boolean
}

/** An SDP offer or answer (what `RTCPeerConnection.localDescription` holds). */
export interface SessionDescription {
  type: 'offer' | 'answer'
  sdp: string
}

/** An ICE candidate (what `RTCPeerConnectionIceEvent.candidate.toJSON()` gives). */
export interface IceCandidate {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
  usernameFragment: string | null
}

/** A WebRTC negotiation message between two participants. */
export type CallSignal =
  | { kind: 'description', description: SessionDescription }
  | { kind: 'candidate', candidate: IceCandidate }

/** Why a participant left our view of the call. */
export type LeaveReason =
  /** It said bye, or its room presence says it is no longer in the call. */
  | 'left'
  /** Its signaling stream broke and was not re-established in time, or it went offline. */
  | 'lost'
  /** It joined again (a reload): the new session replaces the old one. */
  | 'replaced'
  /** We left the call. */
  | 'ended'

/** State of the signaling stream to a participant. */
export type LinkState = 'connected' | 'reconnecting'

export interface Participant {
  peerId: string
  /** Random id of the participant's join; a reload joins with a new one. */
  session: string
  /** Display name from the room's members ('' when it set none). */
  name: string
  media: MediaState
  /**
   * Our role towards it in perfect negotiation: the polite side rolls back its
   * own offer when offers collide. We are polite when our PeerId sorts after its.
   */
  polite: boolean
  link: LinkState
}

export interface CallEvents {
  /** A participant joined (or we joined and found it in the call): set up a peer connection to it. */
  'participant:joined': CustomEvent<Participant>
  /** A participant's name, media or link state changed. */
  'participant:updated': CustomEvent<Participant>
  /** A participant left: close its peer connection. */
  'participant:left': CustomEvent<{ peerId: string, session: string, reason: LeaveReason }>
  /** A participant sent a negotiation signal for its peer connection. */
  'participant:signal': CustomEvent<{ peerId: string, session: string, signal: CallSignal }>
  /** We left the call (or the service stopped). */
  'call:ended': CustomEvent<{ roomId: string }>
}

export interface CallSummary {
  roomId: string
  session: string
  participants: number
}

export interface CallsEvents {
  /** A call was joined or left on this device. */
  'calls:changed': CustomEvent<CallSummary[]>
}
