import { parsePeerId } from './session-api.ts'

/** A message fit to show when `input` is not a PeerId we can connect to. */
export function validatePeerId (input: string, ownPeerId?: string): string | undefined {
  try {
    parsePeerId(input)
  } catch (err) {
    return (err as Error).message
  }
  if (input.trim() === ownPeerId) return 'That is your own Peer ID.'
  return undefined
}
