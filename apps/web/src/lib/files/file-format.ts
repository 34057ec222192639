/** Text for sizes and rates in file rows. */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** "0 B", "900 B", "1.5 MB", "32.0 MB" (decimal units, as file managers show). */
export function bytesText (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`
}

/** "1.20 MB/s"; empty when idle. */
export function rateText (bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? `${bytesText(Math.round(bytesPerSecond))}/s` : ''
}

/** "1 peer", "3 peers". */
export function peersText (peers: number): string {
  return `${peers} ${peers === 1 ? 'peer' : 'peers'}`
}

/** Whole percent of `done` out of `total` (0 when the total is unknown). */
export function percent (done: number, total: number | undefined): number {
  if (total == null || total <= 0) return 0
  return Math.min(100, Math.floor((done / total) * 100))
}

/**
 * Why a download stopped when its providers were reachable only through a
 * relay that lets too few bytes through a connection (core's `relayLimit`),
 * and what happens next, in a user's words.
 */
export function relayLimitText (limit: { limit: number }, names: string[]): string {
  const who = names.length <= 1 ? names[0] ?? 'the peers who have it' : `${names.slice(0, -1).join(', ')} or ${names.at(-1) ?? ''}`
  return `No direct connection to ${who}: the relay between you carries only ${bytesText(limit.limit)} per connection, too little for the rest of this file. ` +
    'The download continues by itself once a direct connection opens, or press "Resume" to try again.'
}

/** Whether this browser's `<video>` plays files of this MIME type (video/* and audio/* only). */
export function canPlayType (type: string, probe: () => Pick<HTMLMediaElement, 'canPlayType'> = () => document.createElement('video')): boolean {
  if (!/^(video|audio)\/[\w.+-]+/.test(type)) return false
  return probe().canPlayType(type) !== ''
}

/** A video's length as players show it, to the nearest second: "0:03", "12:05", "1:02:03". */
export function mediaLengthText (ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000))
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60]
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}
