import type { RelaySource } from '../settings/relay-config.ts'

export { RELAY_SOURCE_LABELS } from '../settings/relay-config.ts'
export type { RelaySource }

/** "retrying in 4 s" for a retry scheduled at `retryAt` (epoch ms). */
export function retryText (retryAt: number | undefined, now: number): string | undefined {
  if (retryAt == null) return undefined
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000))
  return seconds === 0 ? 'retrying now' : `retrying in ${seconds} s`
}

export const HEALTH_LABELS = {
  starting: 'Starting…',
  online: 'Online',
  connecting: 'Connecting…',
  offline: 'Offline',
  failed: 'Not running'
} as const

/** The short badge for how a peer's data travels (the member list, the DM header, the connections panel). */
export const PATH_LABELS = {
  direct: 'direct',
  turn: 'via TURN server',
  relayed: 'relayed'
} as const

/** What each path means, for people who do not know NATs. */
export const PATH_DESCRIPTIONS = {
  direct: 'Direct: your browser and theirs exchange data straight with each other.',
  turn: 'Through a TURN server: your networks block a direct path, so a TURN server forwards the encrypted data.',
  relayed: 'Through a Peerlink relay: no WebRTC path was found, so a relay forwards the encrypted data, with limits on size and time.'
} as const
