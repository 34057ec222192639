import { peerIdFromString } from '@libp2p/peer-id'

/** A message fit to show when `input` is not a PeerId we can connect to. */
export function validatePeerId (input: string, ownPeerId?: string): string | undefined {
  if (input === '') return 'Enter the Peer ID of the peer to connect to.'
  try {
    peerIdFromString(input)
  } catch {
    return `"${input}" is not a valid Peer ID (it looks like 12D3KooW…).`
  }
  if (input === ownPeerId) return 'That is your own Peer ID.'
  return undefined
}
