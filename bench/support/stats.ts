/** Medians and the printed table. MB = 10^6 bytes. */

export function median (values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export function mbps (bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

export function round (value: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** One line of the table: a measured row, or a row saying why there is no number. */
export interface Row {
  measurement: string
  /** Each run's value in `unit`, in run order. */
  runs: number[]
  median: number | null
  unit: string
  /** Throughput of the median, MB/s (transfers only). */
  MBps?: number
  /** Throughput relative to the raw data channel's median (transfers only). */
  vsRaw?: number
  /** Median CPU seconds of all Chromium processes during the measurement (transfers only). */
  cpuSeconds?: number
  note?: string
}

function clip (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function formatTable (rows: Row[]): string {
  const header = ['measurement', 'median', 'MB/s', 'vs raw', 'CPU s', 'runs', 'note']
  const lines = rows.map(r => [
    r.measurement,
    r.median == null ? '—' : `${round(r.median, r.unit === 'ms' ? 0 : 2)} ${r.unit}`,
    r.MBps == null ? '' : round(r.MBps, 1).toFixed(1),
    r.vsRaw == null ? '' : `${round(r.vsRaw * 100, 0)} %`,
    r.cpuSeconds == null ? '' : round(r.cpuSeconds, 1).toFixed(1),
    r.runs.map(v => round(v, r.unit === 'ms' ? 0 : 2)).join(', '),
    clip(r.note ?? '', 120)
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map(l => l[i]!.length)))
  const fmt = (cells: string[]): string => cells.map((c, i) => i >= 1 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [fmt(header), widths.map(w => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n')
}
