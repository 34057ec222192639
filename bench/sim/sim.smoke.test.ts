/**
 * The simulation at tiny sizes, end to end through its CLI: it runs, prints a
 * table and writes its JSON and plot. No timing is asserted (a busy machine
 * is slow; the figures are the benchmark's business, not the test's).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { linePlot, niceTicks, sideBySide } from '../support/plot.ts'
import type { DhtResult } from './dht.ts'
import type { GossipResult } from './gossip.ts'

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url))

describe('bench/sim', () => {
  let dir: string | undefined
  afterAll(async () => {
    if (dir != null) await rm(dir, { recursive: true, force: true })
  })

  it('runs a tiny DHT and a tiny room under churn: table, JSON and plot', async () => {
    dir = await mkdtemp(join(tmpdir(), 'peerlink-sim-'))
    const out = join(dir, 'sim.json')
    const { stdout } = await promisify(execFile)(process.execPath, [
      RUN, '--sizes', '8', '--clients', '2', '--rounds', '1', '--lookups', '4', '--workers', '2',
      '--members', '6', '--relays', '1', '--minutes', '0.2', '--churn', '1', '--offline', '2', '--rate', '2', '--window', '3', '--out', out
    ], { timeout: 280_000, maxBuffer: 16 * 1024 * 1024 })
    expect(stdout).toContain('DHT N=8 (+2 clients): provider lookup')
    expect(stdout).toContain('gossip, 6 members')

    const result = JSON.parse(await readFile(out, 'utf8')) as { dht: DhtResult[], gossip: GossipResult, failures: string[] }
    expect(result.failures).toEqual([])
    const [dht] = result.dht
    expect(dht?.servers).toBe(8)
    expect(dht?.lookups).toHaveLength(4)
    for (const l of dht?.lookups ?? []) {
      if (l.found) expect(l.hops).toBeGreaterThanOrEqual(0)
      else expect(l.hops).toBeNull()
    }
    expect(result.gossip.members).toBe(6)
    expect(result.gossip.published).toBeGreaterThan(0)
    expect(result.gossip.leaves).toBeGreaterThan(0)
    expect(result.gossip.deliveryRatio).toBeGreaterThanOrEqual(0)
    expect(result.gossip.deliveryRatio).toBeLessThanOrEqual(1)

    const svg = await readFile(join(dir, 'sim-dht.svg'), 'utf8')
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(svg).toContain('<title id="hops-title">')
  }, 300_000)

  it('plots: ticks cover the data, series and references, escaped text', () => {
    expect(niceTicks(0, 299.6)).toEqual([0, 100, 200, 300])
    expect(niceTicks(0, 8.6)).toEqual([0, 2, 4, 6, 8, 10])
    const svg = linePlot({
      id: 'x',
      title: 'a < b & c',
      xLabel: 'N',
      yLabel: 'ms',
      xScale: 'log2',
      series: [{ name: 'p50', points: [[50, 10], [100, null], [200, 30]] }, { name: 'log2 N', points: [[50, 5.6], [200, 7.6]], reference: true }]
    })
    expect(svg).toContain('<title id="x-title">a &lt; b &amp; c</title>')
    expect(svg).toContain('aria-labelledby="x-title x-desc"')
    expect(svg).toContain('stroke-dasharray')
    // the null point breaks the line: two moves, no line between them
    expect(svg.match(/<path d="M[^"]*"/g)?.some(d => (d.match(/M/g) ?? []).length === 2)).toBe(true)
    expect(sideBySide('both', [svg, svg]).match(/<svg /g)).toHaveLength(3)
  })
})
