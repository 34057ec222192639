/**
 * The bench's room-join section (bench/join.ts) in its smallest form, so its
 * harness cannot rot unnoticed: `node bench/run.ts --only join --trials 1`
 * (its own relay, app server and Chromium, on free ports). Asserts only that
 * it ran and produced sane numbers; the figures and their aims live in the
 * bench (docs/benchmarks.md), never in a test.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface BenchRow {
  measurement: string
  runs: number[]
  median: number | null
  p95?: number
  min?: number
  max?: number
  unit: string
}

interface BenchJson {
  machine: { cores: number, chromium: string, loadavg: Record<string, number[]> }
  options: { trials?: number }
  rows: BenchRow[]
  skipped: string[]
  details: { join?: { trials: Array<{ bob?: string, error?: string, readyMs?: number, onlineMs?: number, sentMs?: number, messageMs?: number, directMs?: number }> } }
}

/** Runs the bench; resolves with its exit code and everything it printed. */
async function bench (args: string[]): Promise<{ code: number | null, output: string }> {
  const child = spawn(process.execPath, ['bench/run.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { output += s })
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', resolve)
  })
  return { code, output }
}

test('bench --only join --trials 1: one room joined, each moment timed, in order', async () => {
  test.setTimeout(90_000)
  const out = test.info().outputPath('join.json')
  const { code, output } = await bench(['--only', 'join', '--trials', '1', '--out', out])
  expect(code, output).toBe(0)
  expect(output).toMatch(/join loopback: first message p50 [\d.]+ s/)

  const result = JSON.parse(await readFile(out, 'utf8')) as BenchJson
  expect(result.skipped).toEqual([])
  expect(result.options.trials).toBe(1)
  expect(result.machine.cores).toBeGreaterThan(0)
  expect(result.machine.chromium).toMatch(/^\d+\./)
  for (const key of ['start', 'beforeJoin', 'afterJoin', 'end']) expect(result.machine.loadavg[key], key).toHaveLength(3)

  // four rows, one trial each: its value is the p50, p95, min and max alike, and within the bench's 60 s per wait
  const rows = result.rows.filter(r => r.measurement.startsWith('join loopback') || r.measurement.startsWith('  → '))
  expect(rows.map(r => r.measurement.trim())).toEqual([
    'join loopback: page ready', '→ Ann sees Bob online', '→ Bob reads Ann\'s first message', '→ Bob\'s link to Ann direct'
  ])
  for (const row of rows) {
    expect(row.unit).toBe('ms')
    expect(row.runs, row.measurement).toHaveLength(1)
    const [value] = row.runs
    expect(value, row.measurement).toBeGreaterThan(0)
    expect(value, row.measurement).toBeLessThan(60_000)
    for (const figure of [row.median, row.p95, row.min, row.max]) expect(figure, row.measurement).toBe(value)
  }

  const [trial] = result.details.join?.trials ?? []
  expect(trial?.error).toBeUndefined()
  expect(trial?.bob).toMatch(/^12D3KooW\w+$/)
  // Ann writes only once she sees Bob, and Bob reads it after that
  expect(trial!.onlineMs!).toBeLessThanOrEqual(trial!.sentMs!)
  expect(trial!.sentMs!).toBeLessThan(trial!.messageMs!)
  expect(trial!.readyMs!).toBeLessThan(trial!.messageMs!)
})
