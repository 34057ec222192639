/**
 * One error class per condition, each with a stable `name` that callers and
 * the UI can switch on.
 */

/** A relay entry is neither a valid `/p2p/<id>` multiaddr nor an http(s) URL. */
export class InvalidRelayAddressError extends Error {
  override readonly name = 'InvalidRelayAddressError'
  constructor (readonly input: string, reason: string) {
    super(`Invalid relay address "${input}": ${reason}`)
  }
}

/** A relay's info document could not be fetched or is malformed. */
export class RelayInfoError extends Error {
  override readonly name = 'RelayInfoError'
}

/**
 * A relay connection that is open but no longer answers: probes sent over it
 * went unanswered (a relay that died without closing it, e.g. killed and
 * restarted on the same WebRTC-direct port). The connection is closed and the
 * relay dialled again.
 */
export class RelayUnresponsiveError extends Error {
  override readonly name = 'RelayUnresponsiveError'
}

/**
 * A relay connection that brought no reservation in time while we still
 * wanted one: closed, and the relay dialled again. libp2p's circuit relay
 * transport tries to reserve once per connection (when identify shows the
 * relay's hop protocol); an attempt that fails (a busy relay's timeout, a
 * dial that failed while the relay restarted) is not retried on that
 * connection, so without this the browser stays connected and unreachable.
 */
export class RelayReservationMissingError extends Error {
  override readonly name = 'RelayReservationMissingError'
}

/** An identity file is not a Peerlink identity or holds an unusable key. */
export class InvalidIdentityError extends Error {
  override readonly name = 'InvalidIdentityError'
}

/** A peer could not be found or reached by any known address. */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError'
}

/** An operation needs a started node. */
export class NotStartedError extends Error {
  override readonly name = 'NotStartedError'
}

/** A string is not a PeerId, or names this peer itself where another is needed. */
export class InvalidPeerIdError extends Error {
  override readonly name = 'InvalidPeerIdError'
}

/** The app's runtime configuration file (`config.json`, served next to the app) is not a usable Peerlink configuration. */
export class InvalidAppConfigError extends Error {
  override readonly name = 'InvalidAppConfigError'
}

/**
 * A connection took no stream within the time allowed while another
 * connection to the same peer did: it is closed with this error (a WebRTC
 * connection whose other end was closed looks open here until ICE gives up).
 */
export class StreamOpenTimeoutError extends Error {
  override readonly name = 'StreamOpenTimeoutError'
}

/** A stream opened on one connection to a peer after another connection's stream was already in use: it is reset with this error. */
export class StreamNotNeededError extends Error {
  override readonly name = 'StreamNotNeededError'
}
