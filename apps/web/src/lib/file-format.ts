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

/** Whether this browser's `<video>` plays files of this MIME type (video/* and audio/* only). */
export function canPlayType (type: string, probe: () => Pick<HTMLMediaElement, 'canPlayType'> = () => document.createElement('video')): boolean {
  if (!/^(video|audio)\/[\w.+-]+/.test(type)) return false
  return probe().canPlayType(type) !== ''
}
