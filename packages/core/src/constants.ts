/**
 * Protocol identifiers and tuning shared by browser peers and relays.
 * Protocol ids carry a version: bump it when a wire format changes.
 */

/** Prefix of every Peerlink protocol id and gossipsub topic. */
export const PROTOCOL_PREFIX = '/peerlink'

/**
 * Kademlia protocol id. Our DHT is separate from the public IPFS Amino DHT:
 * only Peerlink relays (servers) and browsers (clients) speak it.
 */
export const DHT_PROTOCOL = `${PROTOCOL_PREFIX}/kad/1.0.0`

/** Gossipsub topics that relays join on behalf of their peers start with this. */
export const TOPIC_PREFIX = `${PROTOCOL_PREFIX}/topic/`

/**
 * WebRTC data channel message size between our own browsers. Chromium's SCTP
 * limit is 262144; measured 1.4–2.5x faster than the 16 KiB default. Only for
 * browser↔browser WebRTC: relays and other implementations keep the default.
 */
export const WEBRTC_MAX_MESSAGE_SIZE = 256 * 1024

/**
 * How long a Peerlink relay keeps a ping stream open: a browser's relay
 * keeper probes its relay every 10 s on one ping stream per connection (see
 * connectivity/relay-probe.ts), opening a new one when the relay ends it.
 */
export const RELAY_PING_STREAM_MS = 5 * 60_000

/** Path of the JSON document a relay serves on its HTTP port. */
export const RELAY_INFO_PATH = '/relay.json'

/** Default timeout for network operations that take no explicit signal. */
export const DEFAULT_TIMEOUT_MS = 30_000

/**
 * Finding a peer and connecting to it (a DHT lookup of its relayed address,
 * then a dial), for every protocol that opens streams to peers.
 */
export const CONNECT_TIMEOUT_MS = 30_000

/**
 * Opening a protocol stream on one existing connection: past this the
 * connection is taken for half-open and the next one is tried.
 */
export const STREAM_OPEN_TIMEOUT_MS = 10_000

/**
 * With several connections of one kind to a peer (two WebRTC connections
 * when both ends dialled at once), the next one is asked for the stream too
 * when the one before has not given it within this long; the first stream to
 * open is used.
 */
export const STREAM_RACE_MS = 1_000
