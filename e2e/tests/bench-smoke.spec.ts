/**
 * The bench's sections in their smallest form, so their harness cannot rot
 * unnoticed: joining a room (`node bench/run.ts --only join --trials 1`), one
 * file to many browsers (`--only swarm`, 1 MiB to 1 and then 2 downloaders)
 * and chat latency (`--only chat`, 3 pages for 5 s), each with its own
 * relays, app server and Chromium, on free ports. Asserts only that they ran
 * and produced sane numbers (and exact files); the figures and their aims
 * live in the bench (docs/benchmarks.md), never in a test.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface BenchRow {
  measurement: string
  runs: number[]
  median: number | null
  p95?: number
  p99?: number
  min?: number
  max?: number
  unit: string
}

interface SwarmRound {
  downloaders: number
  seeder: string
  totalBlocks: number
  allCompleteMs: number
  vsOne?: number
  fetched: number
  fromSeeder: number
  fromPeers: number
  seederShare: number
  seederServed: number
  exact: number
  perDownloader: Array<{ peerId: string, clickMs: number, completeMs: number, savedMs: number, fetched: number, totalBlocks: number, fromSeeder: number, fromPeers: number, sources: Record<string, number>, exact: boolean }>
}

interface ChatRun {
  pages: number
  relays: string[]
  peers: string[]
  sent: number
  pairs: number
  rendered: number
  lost: number
  latency: { p50: number, p99: number, max: number, n: number } | null
  clock: Record<'before' | 'after', { maxSkewMs: number, maxRoundTripMs: number }>
  messages: Array<{ id: string, from: number, latencyMs: Array<number | null> }>
}

interface BenchJson {
  machine: { cores: number, chromium: string, loadavg: Record<string, number[]> }
  options: { trials?: number, swarmSizeBytes?: number, swarmDownloaders?: number[], chatPages?: number[] }
  rows: BenchRow[]
  skipped: string[]
  details: {
    join?: { trials: Array<{ bob?: string, error?: string, readyMs?: number, onlineMs?: number, sentMs?: number, messageMs?: number, directMs?: number }> }
    swarm?: { sizeBytes: number, rounds: SwarmRound[], errors: unknown[] }
    chat?: ChatRun[]
  }
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

test('bench --only swarm, 1 MiB to 1 then 2 downloaders: every round timed, every block counted, every saved file exact, the plot written', async () => {
  test.setTimeout(180_000)
  const out = test.info().outputPath('swarm.json')
  const { code, output } = await bench(['--only', 'swarm', '--swarm-size', '1', '--swarm-downloaders', '1,2', '--out', out])
  expect(code, output).toBe(0)

  const result = JSON.parse(await readFile(out, 'utf8')) as BenchJson
  expect(result.skipped).toEqual([])
  expect(result.options).toMatchObject({ swarmSizeBytes: 1024 * 1024, swarmDownloaders: [1, 2] })
  expect(result.machine.chromium).toMatch(/^\d+\./)
  for (const key of ['start', 'beforeSwarm', 'afterSwarm', 'end']) expect(result.machine.loadavg[key], key).toHaveLength(3)

  const rounds = result.details.swarm?.rounds ?? []
  expect(rounds.map(r => r.downloaders)).toEqual([1, 2])
  expect(result.details.swarm?.errors).toEqual([])
  for (const r of rounds) {
    expect(r.perDownloader, `round of ${r.downloaders}`).toHaveLength(r.downloaders)
    // every downloader saved the exact file, fetching each block once from someone
    expect(r.exact).toBe(r.downloaders)
    for (const d of r.perDownloader) {
      expect(d.exact).toBe(true)
      expect(d.totalBlocks).toBe(r.totalBlocks)
      expect(d.fetched).toBe(d.totalBlocks)
      expect(Object.values(d.sources).reduce((a, b) => a + b, 0)).toBe(d.fetched)
      expect(d.fromSeeder + d.fromPeers).toBe(d.fetched)
      expect(d.sources[d.peerId]).toBeUndefined()
      // stamped after the click: the row complete and the file saved (the save runs beside the download and
      // closes the file once it completed, so the two rows' updates may render in either order)
      expect(d.clickMs).toBeLessThan(d.completeMs)
      expect(d.clickMs).toBeLessThan(d.savedMs)
    }
    expect(r.fetched).toBe(r.totalBlocks * r.downloaders)
    expect(r.fromSeeder + r.fromPeers).toBe(r.fetched)
    expect(r.seederShare).toBeCloseTo(r.fromSeeder / r.fetched, 3)
    // the seeder's own row counted what it sent (at least the blocks the downloaders say came from it)
    expect(r.seederServed).toBeGreaterThanOrEqual(r.fromSeeder)
    expect(r.allCompleteMs).toBe(Math.max(...r.perDownloader.map(d => d.completeMs)))
  }
  expect(rounds[1]!.vsOne).toBeCloseTo(rounds[1]!.allCompleteMs / rounds[0]!.allCompleteMs, 1)

  // two rows per round: the time until all complete (one run per downloader) and the seeder's share
  for (const r of rounds) {
    const label = `swarm 1 MiB → ${r.downloaders} downloader${r.downloaders === 1 ? '' : 's'}: all complete`
    const row = result.rows.find(x => x.measurement === label)
    expect(row, label).toBeDefined()
    expect(row!.runs).toHaveLength(r.downloaders)
    expect(row!.median).toBeGreaterThan(0)
  }
  const shares = result.rows.filter(x => x.measurement === '  blocks from the seeder')
  expect(shares.map(x => x.unit)).toEqual(['%', '%'])
  for (const x of shares) expect(x.median).toBeGreaterThan(0)

  const svg = await readFile(join(dirname(out), `${basename(out, '.json')}-swarm.svg`), 'utf8')
  expect(svg).toContain('<title>One file to many browsers: 1 MiB, 1 seeder</title>')
})

test('bench --only chat, 3 pages on 2 relays for 5 s: every message rendered in every other page and its latency measured on one clock', async () => {
  test.setTimeout(180_000)
  const out = test.info().outputPath('chat.json')
  const { code, output } = await bench(['--only', 'chat', '--chat-pages', '3', '--chat-seconds', '5', '--out', out])
  expect(code, output).toBe(0)
  expect(output).toMatch(/chat 3: send → render p50 [\d.]+ ms/)

  const result = JSON.parse(await readFile(out, 'utf8')) as BenchJson
  // a message not rendered in some page would be listed here
  expect(result.skipped).toEqual([])
  expect(result.options.chatPages).toEqual([3])
  expect(result.machine.chromium).toMatch(/^\d+\./)
  for (const key of ['start', 'beforeChat', 'afterChat', 'end']) expect(result.machine.loadavg[key], key).toHaveLength(3)

  const [run] = result.details.chat ?? []
  expect(run?.pages).toBe(3)
  expect(new Set(run!.relays).size).toBe(2)
  expect(new Set(run!.peers).size).toBe(3)
  // 10 messages/s for 5 s, each rendered by both other pages
  expect(run!.sent).toBe(50)
  expect(run!.pairs).toBe(100)
  expect(run!.lost).toBe(0)
  expect(run!.rendered).toBe(100)
  expect(new Set(run!.messages.map(m => m.id)).size).toBe(50)
  for (const m of run!.messages) {
    expect(m.latencyMs[m.from], m.id).toBeNull()
    expect(m.latencyMs.filter(v => v != null), m.id).toHaveLength(2)
    for (const v of m.latencyMs) if (v != null) expect(v, m.id).toBeGreaterThan(0)
  }
  // the pages read Node's clock, to within half the round trip of the check
  for (const check of [run!.clock.before, run!.clock.after]) expect(check.maxSkewMs).toBeLessThanOrEqual(check.maxRoundTripMs / 2 + 5)
  expect(run!.latency!.n).toBe(100)
  expect(run!.latency!.p50).toBeLessThanOrEqual(run!.latency!.p99)
  expect(run!.latency!.p99).toBeLessThanOrEqual(run!.latency!.max)

  const row = result.rows.find(r => r.measurement === 'chat 3 pages on 2 relays, 10 msg/s: send → render')
  expect(row?.median).toBe(run!.latency!.p50)
  expect(row?.p99).toBe(run!.latency!.p99)
  expect(result.rows.find(r => r.measurement.startsWith('  not rendered within'))?.median).toBe(0)
})
