/** Medians, percentiles and the printed table. MB = 10^6 bytes. */

export function median (values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The p-th percentile (0–100), linearly interpolated between the two nearest
 * ranks (as numpy's default): p50 is the median, p0 the minimum, p100 the
 * maximum. Of 10 values, p95 lies between the 9th and the 10th.
 */
export function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = (sorted.length - 1) * Math.min(100, Math.max(0, p)) / 100
  const low = Math.floor(rank)
  const high = Math.ceil(rank)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low)
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
  /** Distributions over many trials: the 95th and 99th percentiles, the smallest and the largest value (`median` is p50). */
  p95?: number
  p99?: number
  min?: number
  max?: number
  note?: string
}

function clip (text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** The table: a column of figures (p95, p99, min, max, MB/s, vs raw, CPU s) only when some row has one. */
export function formatTable (rows: Row[]): string {
  const value = (r: Row, v: number | undefined): string => v == null ? '' : `${round(v, r.unit === 'ms' ? 0 : 2)} ${r.unit}`
  const columns: Array<[string, (r: Row) => string, 'left' | 'right']> = [
    ['measurement', r => r.measurement, 'left'],
    ['median', r => r.median == null ? '—' : value(r, r.median), 'right'],
    ['p95', r => value(r, r.p95), 'right'],
    ['p99', r => value(r, r.p99), 'right'],
    ['min', r => value(r, r.min), 'right'],
    ['max', r => value(r, r.max), 'right'],
    ['MB/s', r => r.MBps == null ? '' : round(r.MBps, 1).toFixed(1), 'right'],
    ['vs raw', r => r.vsRaw == null ? '' : `${round(r.vsRaw * 100, 0)} %`, 'right'],
    ['CPU s', r => r.cpuSeconds == null ? '' : round(r.cpuSeconds, 1).toFixed(1), 'right'],
    ['runs', r => r.runs.map(v => round(v, r.unit === 'ms' ? 0 : 2)).join(', '), 'left'],
    ['note', r => clip(r.note ?? '', 120), 'left']
  ]
  const always = new Set(['measurement', 'median', 'runs', 'note'])
  const shown = columns.filter(([name, cell]) => always.has(name) || rows.some(r => cell(r) !== ''))
  const lines = rows.map(r => shown.map(([, cell]) => cell(r)))
  const widths = shown.map(([name], i) => Math.max(name.length, ...lines.map(l => l[i]!.length)))
  const fmt = (cells: string[]): string => cells.map((c, i) => shown[i]![2] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [fmt(shown.map(([name]) => name)), widths.map(w => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n')
}
