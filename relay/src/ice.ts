/**
 * The ICE servers the relay advertises in `/relay.json`: its STUN URLs, and
 * its TURN URLs with a credential made for each request in coturn's
 * shared-secret scheme (username `<expiry unix seconds>:<random>`, password
 * base64(HMAC-SHA1(secret, username))), valid for `turnTtl`. The secret itself
 * never leaves this module.
 */
import { randomBytes } from 'node:crypto'
import { turnCredential, type IceServerEntry } from '@peerlink/core'
import type { RelayConfig } from './config.js'

export interface AdvertisedIce {
  iceServers?: IceServerEntry[]
  /** Seconds the credentials are valid from now. */
  iceServersTtl?: number
}

/** A function giving the `/relay.json` ICE fields (none when no STUN or TURN URL is configured). */
export function iceAdvertiser (config: Pick<RelayConfig, 'stunUrls' | 'turnUrls' | 'turnSecret' | 'turnTtl'>): (now?: number) => AdvertisedIce {
  const { stunUrls, turnUrls, turnSecret, turnTtl } = config
  const ttlSeconds = Math.floor(turnTtl / 1000)
  return (now = Date.now()) => {
    const iceServers: IceServerEntry[] = []
    if (stunUrls.length > 0) iceServers.push({ urls: [...stunUrls] })
    if (turnUrls.length > 0 && turnSecret !== '') {
      // random, not the requester's PeerId: the document is fetched before any libp2p connection
      const { username, credential } = turnCredential(turnSecret, randomBytes(9).toString('base64url'), ttlSeconds, now)
      iceServers.push({ urls: [...turnUrls], username, credential })
      return { iceServers, iceServersTtl: ttlSeconds }
    }
    return iceServers.length > 0 ? { iceServers } : {}
  }
}
