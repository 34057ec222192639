/**
 * Where a process's memory went between two V8 heap snapshots: self size and
 * count of objects by constructor (or kind), the largest growths first.
 *   node bench/relay-capacity/heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [--per N] [--top 30]
 * With `--per N` (e.g. the reserved peers added between the two), growth is
 * also given per unit.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

interface Snapshot {
  snapshot: { meta: { node_fields: string[], node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

/** Self size and count per constructor name (objects), or per kind (strings, arrays, code…). */
export async function tally (file: string): Promise<Map<string, { size: number, count: number }>> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const types = snap.snapshot.meta.node_types[0]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const totals = new Map<string, { size: number, count: number }>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!
    const key = type === 'object' || type === 'closure' ? `${type === 'closure' ? 'closure ' : ''}${snap.strings[snap.nodes[i + nameAt]!]}` : `(${type})`
    const entry = totals.get(key) ?? { size: 0, count: 0 }
    entry.size += snap.nodes[i + sizeAt]!
    entry.count++
    totals.set(key, entry)
  }
  return totals
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { per: { type: 'string' }, top: { type: 'string', default: '30' } } })
  const [beforeFile, afterFile] = positionals
  if (beforeFile == null || afterFile == null) {
    console.error('usage: heap-diff.ts <before.heapsnapshot> <after.heapsnapshot> [--per N] [--top 30]')
    process.exit(2)
  }
  const [before, after] = await Promise.all([tally(beforeFile), tally(afterFile)])
  const per = values.per == null ? undefined : Number(values.per)
  const rows = [...after].map(([key, a]) => {
    const b = before.get(key) ?? { size: 0, count: 0 }
    return { key, size: a.size - b.size, count: a.count - b.count }
  }).sort((x, y) => y.size - x.size).slice(0, Number(values.top))
  const total = [...after.values()].reduce((n, e) => n + e.size, 0) - [...before.values()].reduce((n, e) => n + e.size, 0)
  console.log(`heap growth ${(total / 1048576).toFixed(1)} MiB${per == null ? '' : `, ${(total / 1024 / per).toFixed(1)} KiB per unit`}`)
  for (const r of rows) {
    console.log(`${(r.size / 1048576).toFixed(2).padStart(8)} MiB  ${String(r.count).padStart(8)} objects${per == null ? '' : `  ${(r.size / per).toFixed(0).padStart(7)} B/unit  ${(r.count / per).toFixed(1).padStart(6)}/unit`}  ${r.key}`)
  }
}
