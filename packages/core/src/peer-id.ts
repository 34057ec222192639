import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { InvalidPeerIdError } from './errors.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * Parses a PeerId typed or pasted by a user.
 *
 * @throws {InvalidPeerIdError} with a message fit to show
 */
export function parsePeerId (input: string): PeerId {
  const text = input.trim()
  if (text === '') throw new InvalidPeerIdError('Enter the Peer ID of the peer to connect to.')
  try {
    return peerIdFromString(text)
  } catch {
    throw new InvalidPeerIdError(`"${text}" is not a valid Peer ID (it looks like 12D3KooW…).`)
  }
}

/** The PeerId (string form) of an identity key. */
export function peerIdOf (key: PrivateKey): string {
  return peerIdFromPrivateKey(key).toString()
}
