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

/** The short badge for how a peer's data travels (the member list, the DM header, Diagnostics). */
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

/** "45 s", "12 min", "1 h 59 min" for a duration in ms (rounded down; "0 s" for none or less). */
export function durationText (ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
}

/** The relay a relayed connection goes through (`…/p2p/<relay>/p2p-circuit/…`), if its address names one. */
export function relayOf (remoteAddr: string): string | undefined {
  return /\/p2p\/([^/]+)\/p2p-circuit/.exec(remoteAddr)?.[1]
}
