import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions } from '@libp2p/interface'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
import { RelayInfoError } from '../errors.js'
import { parseRelayIceServers, type IceServerEntry, type RelayIceServerError } from './ice-servers.js'

/** Longest peerId accepted in a relay info document. */
const MAX_PEER_ID_CHARS = 128

/** The JSON document a relay serves at `/relay.json` on its HTTP port. */
export interface RelayInfo {
  peerId: string
  multiaddrs: string[]
  /** STUN and TURN servers the relay offers for WebRTC (optional). */
  iceServers?: IceServerEntry[]
  /** Seconds the TURN credentials in `iceServers` stay valid from when the document was served. */
  iceServersTtl?: number
}

/** A relay info document, validated. */
export interface ParsedRelayInfo {
  peerId: string
  multiaddrs: Multiaddr[]
  /** The valid entries of `iceServers` (empty when there are none). */
  iceServers: IceServerEntry[]
  /** Why entries of `iceServers` were left out; the rest of the document is still used. */
  iceErrors: RelayIceServerError[]
  /** Seconds the TURN credentials stay valid, when the relay said so. */
  iceServersTtl?: number
}

/**
 * Validates a relay info document. Every multiaddr must end with the relay's
 * own `/p2p/<peerId>`.
 *
 * @throws {RelayInfoError}
 */
export function parseRelayInfo (value: unknown): ParsedRelayInfo {
  if (typeof value !== 'object' || value == null) {
    throw new RelayInfoError('relay info is not a JSON object')
  }
  const { peerId, multiaddrs, iceServers, iceServersTtl } = value as Record<keyof RelayInfo, unknown>
  if (typeof peerId !== 'string') throw new RelayInfoError('relay info has no peerId')
  // base58 decoding takes time quadratic in the length: a PeerId is far shorter than this
  if (peerId.length > MAX_PEER_ID_CHARS) throw new RelayInfoError('relay info has an invalid peerId (too long)')
  try {
    peerIdFromString(peerId)
  } catch {
    throw new RelayInfoError(`relay info has an invalid peerId "${peerId}"`)
  }
  if (!Array.isArray(multiaddrs) || multiaddrs.length === 0) {
    throw new RelayInfoError('relay info lists no multiaddrs')
  }
  const parsed = multiaddrs.map((text: unknown) => {
    // not String(text): an object from JSON such as {"toString":1} cannot be made a string
    if (typeof text !== 'string') throw new RelayInfoError(`relay info has a multiaddr that is not a string (${typeof text})`)
    let ma: Multiaddr
    try {
      ma = multiaddr(text)
    } catch {
      throw new RelayInfoError(`relay info has an invalid multiaddr "${text}"`)
    }
    if (ma.getComponents().at(-1)?.value !== peerId) {
      throw new RelayInfoError(`relay info multiaddr "${text}" does not end with /p2p/${peerId}`)
    }
    return ma
  })
  // malformed ICE entries are left out with a named error: the relay itself is still usable
  const ice = parseRelayIceServers(iceServers)
  const ttl = typeof iceServersTtl === 'number' && Number.isSafeInteger(iceServersTtl) && iceServersTtl > 0 ? iceServersTtl : undefined
  return { peerId, multiaddrs: parsed, iceServers: ice.iceServers, iceErrors: ice.errors, ...(ttl != null ? { iceServersTtl: ttl } : {}) }
}

/**
 * Fetches and validates a relay's info document.
 *
 * @throws {RelayInfoError}
 */
export async function fetchRelayInfo (url: string, options: AbortOptions = {}): Promise<ParsedRelayInfo> {
  const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
  let response: Response
  try {
    response = await fetch(url, { signal, cache: 'no-store' })
  } catch (err) {
    if (signal.aborted) throw err
    throw new RelayInfoError(`could not fetch ${url}: ${(err as Error).message}`)
  }
  if (!response.ok) {
    throw new RelayInfoError(`could not fetch ${url}: HTTP ${response.status}`)
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    throw new RelayInfoError(`${url} is not JSON`)
  }
  return parseRelayInfo(body)
}
