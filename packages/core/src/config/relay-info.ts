import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions } from '@libp2p/interface'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
import { RelayInfoError } from '../errors.js'

/** Longest peerId accepted in a relay info document. */
const MAX_PEER_ID_CHARS = 128

/** The JSON document a relay serves at `/relay.json` on its HTTP port. */
export interface RelayInfo {
  peerId: string
  multiaddrs: string[]
}

/**
 * Validates a relay info document. Every multiaddr must end with the relay's
 * own `/p2p/<peerId>`.
 *
 * @throws {RelayInfoError}
 */
export function parseRelayInfo (value: unknown): { peerId: string, multiaddrs: Multiaddr[] } {
  if (typeof value !== 'object' || value == null) {
    throw new RelayInfoError('relay info is not a JSON object')
  }
  const { peerId, multiaddrs } = value as Partial<RelayInfo>
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
  return { peerId, multiaddrs: parsed }
}

/**
 * Fetches and validates a relay's info document.
 *
 * @throws {RelayInfoError}
 */
export async function fetchRelayInfo (url: string, options: AbortOptions = {}): Promise<{ peerId: string, multiaddrs: Multiaddr[] }> {
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
