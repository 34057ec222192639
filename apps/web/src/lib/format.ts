import type { RelaySource } from './relay-config.ts'

export { RELAY_SOURCE_LABELS } from './relay-config.ts'
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
