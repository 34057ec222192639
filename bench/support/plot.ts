/**
 * Tiny dependency-free SVG line plots for the bench's figures that grow with
 * a parameter (network size, participants…): axes with "nice" ticks, axis
 * labels, one or more series with markers and a legend, and an accessible
 * <title> and <desc>. `linePlot` draws one plot; `sideBySide` puts several
 * in one SVG file.
 */

export interface Series {
  name: string
  /** [x, y] points; drawn in x order, a null y leaves a gap. */
  points: Array<[number, number | null]>
  /** A reference curve (e.g. log2 N): dashed, no markers. */
  reference?: boolean
}

export interface PlotOptions {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  /** What the plot shows, for screen readers (<desc>); a summary of the series by default. */
  description?: string
  width?: number
  height?: number
  /** 'log2': x on a base-2 log scale (sizes that double), ticks at the data's x values. */
  xScale?: 'linear' | 'log2'
  /** The y axis starts at 0 unless false (then at the data's minimum). */
  yFromZero?: boolean
  /** Prefix of the element ids, unique per plot when several SVGs share a page (default 'plot'). */
  id?: string
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']

export function escapeXml (text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** About `count` round tick values from at or below `min` to at or above `max` (steps of 1, 2 or 5 × 10^k). */
export function niceTicks (min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (min === max) return [min]
  const raw = (max - min) / Math.max(1, count)
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag
  const ticks: number[] = []
  const last = Math.ceil(max / step - 1e-9) * step
  for (let v = Math.floor(min / step + 1e-9) * step; v <= last + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

function fmt (v: number, digits = 6): string {
  if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-3)) return v.toExponential(1)
  return String(Number(v.toPrecision(digits)))
}

/** One line plot as a standalone SVG document. */
export function linePlot (options: PlotOptions): string {
  const width = options.width ?? 640
  const height = options.height ?? 400
  const id = options.id ?? 'plot'
  const margin = { top: 40, right: 20, bottom: 50, left: 64 }
  const plotW = width - margin.left - margin.right
  const plotH = height - margin.top - margin.bottom
  const log2 = options.xScale === 'log2'
  const all = options.series.flatMap(s => s.points)
  const xs = all.map(p => p[0]).filter(x => Number.isFinite(x) && (!log2 || x > 0))
  const ys = all.map(p => p[1]).filter((y): y is number => y != null && Number.isFinite(y))
  const tx = (x: number): number => log2 ? Math.log2(x) : x

  const xTicks = log2 ? [...new Set(xs)].sort((a, b) => a - b) : niceTicks(Math.min(...xs), Math.max(...xs))
  let xMin = Math.min(...xs.map(tx), ...xTicks.map(tx))
  let xMax = Math.max(...xs.map(tx), ...xTicks.map(tx))
  if (!Number.isFinite(xMin)) { xMin = 0; xMax = 1 }
  if (xMin === xMax) { xMin -= 1; xMax += 1 }
  // a little room, so the first and last points are not on the frame
  const pad = (xMax - xMin) * 0.03
  xMin -= pad
  xMax += pad
  const yLow = options.yFromZero === false ? Math.min(...ys) : Math.min(0, ...ys)
  const yTicks = niceTicks(ys.length > 0 ? yLow : 0, ys.length > 0 ? Math.max(...ys) : 1)
  let yMin = Math.min(yLow, ...yTicks)
  let yMax = Math.max(...ys, ...yTicks)
  if (!Number.isFinite(yMin)) { yMin = 0; yMax = 1 }
  if (yMin === yMax) yMax = yMin + 1

  const px = (x: number): number => margin.left + (tx(x) - xMin) / (xMax - xMin) * plotW
  const py = (y: number): number => margin.top + plotH - (y - yMin) / (yMax - yMin) * plotH
  const r = (v: number): string => v.toFixed(1)

  const description = options.description ?? options.series.map(s =>
    `${s.name}: ${s.points.map(([x, y]) => `${fmt(x)} → ${y == null ? 'none' : fmt(y, 3)}`).join(', ')}`).join('; ')
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="sans-serif" font-size="12">`)
  out.push(`<title id="${id}-title">${escapeXml(options.title)}</title>`)
  out.push(`<desc id="${id}-desc">${escapeXml(description)}</desc>`)
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`)
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`)
  // grid, ticks and tick labels
  for (const y of yTicks) {
    out.push(`<line x1="${margin.left}" x2="${margin.left + plotW}" y1="${r(py(y))}" y2="${r(py(y))}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${margin.left - 6}" y="${r(py(y) + 4)}" text-anchor="end">${fmt(y)}</text>`)
  }
  for (const x of xTicks) {
    out.push(`<line x1="${r(px(x))}" x2="${r(px(x))}" y1="${margin.top + plotH}" y2="${margin.top + plotH + 5}" stroke="#333"/>`)
    out.push(`<text x="${r(px(x))}" y="${margin.top + plotH + 18}" text-anchor="middle">${fmt(x)}</text>`)
  }
  // axes and their labels
  out.push(`<path d="M${margin.left},${margin.top}V${margin.top + plotH}H${margin.left + plotW}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}${log2 ? ' (log scale)' : ''}</text>`)
  out.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`)
  // series
  options.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!
    const points = s.points.filter(([x]) => Number.isFinite(x) && (!log2 || x > 0)).sort((a, b) => a[0] - b[0])
    let d = ''
    let pen = false
    for (const [x, y] of points) {
      if (y == null || !Number.isFinite(y)) { pen = false; continue }
      d += `${pen ? 'L' : 'M'}${r(px(x))},${r(py(y))}`
      pen = true
    }
    out.push(`<g><title>${escapeXml(s.name)}</title>`)
    if (d !== '') out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.reference === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    if (s.reference !== true) {
      for (const [x, y] of points) {
        if (y != null && Number.isFinite(y)) out.push(`<circle cx="${r(px(x))}" cy="${r(py(y))}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${fmt(x)} → ${fmt(y, 3)}`)}</title></circle>`)
      }
    }
    out.push('</g>')
    // legend, top left inside the plot
    const ly = margin.top + 8 + i * 18
    out.push(`<line x1="${margin.left + 10}" x2="${margin.left + 34}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.reference === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${margin.left + 40}" y="${ly + 4}">${escapeXml(s.name)}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** Several plots (from `linePlot`) side by side in one SVG document, under a common title. */
export function sideBySide (title: string, plots: string[]): string {
  const sizes = plots.map(p => {
    const m = /width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(p)
    return { w: Number(m?.[1] ?? 640), h: Number(m?.[2] ?? 400) }
  })
  const width = sizes.reduce((s, x) => s + x.w, 0)
  const height = Math.max(...sizes.map(x => x.h))
  let x = 0
  const inner = plots.map((p, i) => {
    const at = x
    x += sizes[i]!.w
    // nested <svg> elements keep their own coordinates; the outer one gets the xmlns
    return p.trim().replace('<svg xmlns="http://www.w3.org/2000/svg" ', `<svg x="${at}" y="0" `)
  })
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    ...inner,
    '</svg>'
  ].join('\n') + '\n'
}
