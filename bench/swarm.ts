/**
 * One file to many browsers (`--only swarm`): how a room's download scales
 * when several members fetch the same file at once.
 *
 * Each round is fresh: a seeder page creates a room, `n` downloader pages
 * (fresh browser contexts, fresh identities) open its link, and the bench
 * waits until every page sees every other member online and, for as long as
 * `meshMs` allows, over a direct WebRTC link. The seeder then shares a fresh
 * random file in the room ("Share files" in the room's composer); once every
 * downloader's row for it offers "Download <name>", all of them click it at
 * one moment (a timer in each page, set to the same instant of the pages'
 * shared clock: `performance.timeOrigin + performance.now()`; every page runs
 * in one Chromium on one machine). The File System Access API of each
 * downloader is pointed at its own OPFS, as in the e2e tests.
 *
 * Per round: each downloader's time from the common start to its row
 * `data-state="complete"` (every block fetched, hash-verified, in IndexedDB)
 * and `data-save="saved"`; the time until all are complete, against the
 * 1-downloader round; where the blocks came from (each downloader row's
 * `data-sources`: from the seeder, or from another downloader), duplicates,
 * the seeder row's `data-served`; the SHA-256 of every saved file against the
 * original; the CPU time of all Chromium processes.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from '@playwright/test'
import { createRoom, setName } from '../e2e/support/chat.ts'
import { counters, opfsSha256, rowOf, saveToOpfs, shareFiles } from '../e2e/support/files.ts'
import { cpuDelta, sampleChromiumCpu } from './support/cpu.ts'
import { e2e, openApp, waitReserved, type AppPage } from './support/browser.ts'
import { linePlot, sideBySide } from './support/plot.ts'
import { waitMesh } from './support/room.ts'
import { median, round, type Row } from './support/stats.ts'

const MiB = 1024 * 1024

export interface SwarmOptions {
  /** File size, bytes. */
  size: number
  /** Downloaders of each round, e.g. [1, 2, 4, 8]. */
  downloaders: number[]
  appBase: string
  relays: string[]
  relayPeerId: string
  /** For each wait (pages, share, download). */
  timeoutMs: number
  /** How long to wait for every member's link to every other to be direct before the downloads start anyway. */
  meshMs: number
  /**
   * The seeder's upload limit (the app's `?upload-limit=`, e.g. `500k` bytes per second), standing for a home
   * connection's upload link, so that the seeder's link rather than the machine's CPU is what one download waits
   * for; absent or `0`, none.
   */
  seederLimit?: string
  log: (line: string) => void
}

export interface SwarmDownloader {
  peerId: string
  /** From the common start to its click (how late its timer fired). */
  clickMs: number
  /** From the common start to its row complete (stored) and saved (written to OPFS). */
  completeMs: number
  savedMs: number
  totalBlocks: number
  fetched: number
  duplicates: number
  /** Blocks from the seeder, and from other downloaders. */
  fromSeeder: number
  fromPeers: number
  /** Blocks received per provider PeerId (the row's data-sources). */
  sources: Record<string, number>
  /** What its own row says it served to others (other downloaders). */
  served: number
  /** The saved file's SHA-256 equals the original's. */
  exact: boolean
}

export interface SwarmRound {
  downloaders: number
  seeder: string
  cid: string
  sizeBytes: number
  totalBlocks: number
  /** "Share files" → the seeder's row complete. */
  shareMs: number
  /** The last page opened → every page sees every other online. */
  onlineMs: number
  /** Members (downloader → member) not seen online by then. */
  notOnline: string[]
  /** … → every member's link to every other direct (or `meshMs` passed). */
  directMs: number
  /** Links (downloader → member) that were not direct when the downloads started. */
  notDirect: string[]
  /** The common start → the last downloader complete, and saved. */
  allCompleteMs: number
  allSavedMs: number
  /** allCompleteMs ÷ the 1-downloader round's (when there is one). */
  vsOne?: number
  perDownloader: SwarmDownloader[]
  /** Blocks fetched by all downloaders, from the seeder and between downloaders, as counted by the downloaders. */
  fetched: number
  fromSeeder: number
  fromPeers: number
  /** fromSeeder ÷ fetched; the ideal is one copy: 1 ÷ downloaders. */
  seederShare: number
  duplicates: number
  /** The seeder row's data-served (every block it sent, DAG nodes and duplicates included). */
  seederServed: number
  /** seederServed ÷ totalBlocks: copies of the file the seeder uploaded. */
  seederCopies: number
  /** CPU seconds of every Chromium process from the start until all saved. */
  cpuSeconds: number
  cpuByType: Record<string, number>
  exact: number
  load: { start: number[], end: number[] }
}

export interface SwarmResult {
  sizeBytes: number
  /** The seeder's upload limit, as given (`?upload-limit=`), or undefined for none. */
  seederLimit?: string
  rounds: SwarmRound[]
  /** Rounds that did not finish, with why. */
  errors: Array<{ downloaders: number, error: string }>
  rows: Row[]
}

interface Stamps {
  click?: number
  state: Record<string, number>
  save: Record<string, number>
}
type SwarmWindow = Window & { __benchSwarm?: Stamps }

/** Reads the seeder row's served count once it has stopped changing (the row is updated a few times a second). */
async function settledServed (app: AppPage, cid: string): Promise<number> {
  let last = -1
  for (let i = 0; i < 20; i++) {
    const { served } = await counters(rowOf(e2e(app), cid))
    if (served === last) return served
    last = served
    await app.page.waitForTimeout(500)
  }
  return last
}

async function oneRound (browser: Browser, n: number, options: SwarmOptions, file: { path: string, name: string, sha256: string }): Promise<SwarmRound> {
  const { timeoutMs, log } = options
  const load = { start: loadavg(), end: [] as number[] }
  const pages: AppPage[] = []
  try {
    const seeder = await openApp(browser, options.appBase, 'seeder', { relays: options.relays, ...(options.seederLimit != null ? { query: { 'upload-limit': options.seederLimit } } : {}) })
    pages.push(seeder)
    await setName(e2e(seeder), 'Seeder')
    await waitReserved(seeder, options.relayPeerId)
    const link = await createRoom(e2e(seeder))
    const downloaders = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const d = await openApp(browser, options.appBase, `downloader ${i + 1}`, { relays: options.relays, fragment: link, setup: saveToOpfs })
      await setName(e2e(d), `D${i + 1}`)
      return d
    }))
    pages.push(...downloaders)
    const mesh = await waitMesh(pages, { timeoutMs, directMs: options.meshMs })
    log(`swarm ${n}: ${n + 1} pages online after ${mesh.onlineMs} ms, links direct after ${mesh.directMs} ms` +
      (mesh.notDirect.length > 0 ? ` except ${mesh.notDirect.length}: ${mesh.notDirect.slice(0, 4).join(', ')}` : '') +
      (mesh.notOnline.length > 0 ? `; not online after ${timeoutMs / 1000} s: ${mesh.notOnline.slice(0, 4).join(', ')}` : ''))

    // the seeder shares the file in the room
    const shareStart = Date.now()
    await shareFiles(e2e(seeder), [file.path])
    const seederRow = seeder.page.locator('.file-row').filter({ has: seeder.page.getByRole('link', { name: `Download ${file.name}`, exact: true }) })
    await seederRow.and(seeder.page.locator('[data-state="complete"]')).waitFor({ timeout: timeoutMs })
    const shareMs = Date.now() - shareStart
    const cid = (await seederRow.getAttribute('data-cid')) ?? ''
    const { totalBlocks } = await counters(seederRow)
    await Promise.all(downloaders.map(async d => rowOf(e2e(d), cid).getByRole('link', { name: `Download ${file.name}`, exact: true }).waitFor({ timeout: timeoutMs })))

    // every downloader clicks "Download <name>" at the same moment of the shared clock
    const at = Date.now() + 300 + 50 * n
    const cpuBefore = await sampleChromiumCpu()
    await Promise.all(downloaders.map(async d => d.page.evaluate(({ cid, at }) => {
      const now = (): number => performance.timeOrigin + performance.now()
      const stamps: Stamps = { state: {}, save: {} }
      ;(window as SwarmWindow).__benchSwarm = stamps
      const row = document.querySelector(`.file-row[data-cid="${cid}"]`)
      const link = row?.querySelector('a.file-name')
      if (row == null || !(link instanceof HTMLAnchorElement)) throw new Error(`no row with a download link for ${cid}`)
      new MutationObserver((records) => {
        const t = now()
        for (const r of records) {
          const el = r.target as HTMLElement
          if (el.dataset.cid !== cid) continue
          if (r.attributeName === 'data-state') stamps.state[el.dataset.state ?? ''] ??= t
          if (r.attributeName === 'data-save') stamps.save[el.dataset.save ?? ''] ??= t
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state', 'data-save'] })
      link.addEventListener('click', () => { stamps.click ??= now() }, { capture: true, once: true })
      setTimeout(() => { link.click() }, Math.max(0, at - now()))
    }, { cid, at })))
    await Promise.all(downloaders.map(async d => rowOf(e2e(d), cid)
      .and(d.page.locator('[data-save="saved"], [data-save="failed"], [data-state="failed"]')).waitFor({ timeout: timeoutMs })))
    const cpu = cpuDelta(cpuBefore, await sampleChromiumCpu())

    const perDownloader: SwarmDownloader[] = []
    for (const d of downloaders) {
      const row = rowOf(e2e(d), cid)
      const c = await counters(row)
      const save = await row.getAttribute('data-save')
      if (c.state !== 'complete' || save !== 'saved') {
        const error = await row.locator('.error').allTextContents()
        throw new Error(`${d.name}'s download ended ${c.state}/${save ?? '?'}: ${error.join(' ')}`)
      }
      const stamps = await d.page.evaluate(() => (window as SwarmWindow).__benchSwarm!)
      const complete = stamps.state.complete
      const saved = stamps.save.saved
      if (stamps.click == null || complete == null || saved == null) throw new Error(`missing timestamps in ${d.name}: ${JSON.stringify(stamps)}`)
      const fromSeeder = c.sources[seeder.peerId] ?? 0
      const exact = await opfsSha256(d.page, file.name) === file.sha256
      perDownloader.push({
        peerId: d.peerId,
        clickMs: round(stamps.click - at, 1),
        completeMs: round(complete - at, 1),
        savedMs: round(saved - at, 1),
        totalBlocks: c.totalBlocks,
        fetched: c.fetched,
        duplicates: c.duplicates,
        fromSeeder,
        fromPeers: Object.values(c.sources).reduce((a, b) => a + b, 0) - fromSeeder,
        sources: c.sources,
        served: c.served,
        exact
      })
    }
    const seederServed = await settledServed(seeder, cid)
    const sum = (f: (d: SwarmDownloader) => number): number => perDownloader.reduce((a, d) => a + f(d), 0)
    const fetched = sum(d => d.fetched)
    const fromSeeder = sum(d => d.fromSeeder)
    load.end = loadavg()
    return {
      downloaders: n,
      seeder: seeder.peerId,
      cid,
      sizeBytes: options.size,
      totalBlocks,
      shareMs,
      onlineMs: mesh.onlineMs,
      notOnline: mesh.notOnline,
      directMs: mesh.directMs,
      notDirect: mesh.notDirect,
      allCompleteMs: Math.max(...perDownloader.map(d => d.completeMs)),
      allSavedMs: Math.max(...perDownloader.map(d => d.savedMs)),
      perDownloader,
      fetched,
      fromSeeder,
      fromPeers: sum(d => d.fromPeers),
      seederShare: fetched > 0 ? round(fromSeeder / fetched, 4) : 0,
      duplicates: sum(d => d.duplicates),
      seederServed,
      seederCopies: totalBlocks > 0 ? round(seederServed / totalBlocks, 2) : 0,
      cpuSeconds: round(cpu.total, 2),
      cpuByType: cpu.byType,
      exact: perDownloader.filter(d => d.exact).length,
      load
    }
  } finally {
    await Promise.all(pages.map(async p => p.context.close().catch(() => {})))
  }
}

/** Every round, in order; a round that fails is reported and the next one runs. */
export async function measureSwarm (browser: Browser, given: SwarmOptions): Promise<SwarmResult> {
  // '0' is no limit
  const { seederLimit: limit, ...rest } = given
  const seederLimit = limit != null && limit !== '0' ? limit : undefined
  const options: SwarmOptions = { ...rest, ...(seederLimit != null ? { seederLimit } : {}) }
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-bench-swarm-'))
  const rounds: SwarmRound[] = []
  const errors: SwarmResult['errors'] = []
  try {
    for (const [i, n] of options.downloaders.entries()) {
      // a fresh file each round: nobody holds it before
      const name = `swarm-${i + 1}.bin`
      const bytes = randomBytes(options.size)
      const path = join(dir, name)
      await writeFile(path, bytes)
      const file = { path, name, sha256: createHash('sha256').update(bytes).digest('hex') }
      try {
        const r = await oneRound(browser, n, options, file)
        const one = rounds.find(x => x.downloaders === 1)
        if (one != null) r.vsOne = round(r.allCompleteMs / one.allCompleteMs, 2)
        rounds.push(r)
        options.log(`swarm ${n}: all complete ${Math.round(r.allCompleteMs)} ms${r.vsOne != null ? ` (${r.vsOne}× 1 downloader)` : ''}, saved ${Math.round(r.allSavedMs)} ms; ` +
          `each ${r.perDownloader.map(d => Math.round(d.completeMs)).join(', ')} ms; blocks from the seeder ${r.fromSeeder} of ${r.fetched} (${Math.round(r.seederShare * 100)} %), ` +
          `between downloaders ${r.fromPeers}, duplicates ${r.duplicates}; seeder served ${r.seederServed} (${r.seederCopies} copies); exact ${r.exact}/${n}; CPU ${r.cpuSeconds} s`)
      } catch (err) {
        const error = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error'
        errors.push({ downloaders: n, error })
        options.log(`swarm ${n}: failed: ${error}`)
      } finally {
        await rm(path, { force: true })
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return { sizeBytes: options.size, ...(seederLimit != null ? { seederLimit } : {}), rounds, errors, rows: swarmRows(options.size, rounds, errors, seederLimit) }
}

/** How a seeder limit reads: `500k` → "seeder uploads at most 500 kB/s". */
function limitText (limit: string): string {
  return `seeder uploads at most ${limit.replace(/k$/i, ' kB').replace(/m$/i, ' MB')}${/[km]$/i.test(limit) ? '' : ' B'}/s`
}

function swarmRows (size: number, rounds: SwarmRound[], errors: SwarmResult['errors'], seederLimit?: string): Row[] {
  const rows: Row[] = []
  const mib = `${round(size / MiB, 2)} MiB${seederLimit != null ? ` (${limitText(seederLimit)})` : ''}`
  for (const r of rounds) {
    const each = r.perDownloader.map(d => d.completeMs)
    rows.push({
      measurement: `swarm ${mib} → ${r.downloaders} downloader${r.downloaders === 1 ? '' : 's'}: all complete`,
      runs: each,
      median: r.allCompleteMs,
      min: Math.min(...each),
      max: Math.max(...each),
      unit: 'ms',
      cpuSeconds: r.cpuSeconds,
      note: `common start → last row complete${r.vsOne != null ? `, ${r.vsOne}× the 1-downloader round` : ''}; each downloader in runs (median ${Math.round(median(each))}); ` +
        `all saved ${Math.round(r.allSavedMs)} ms; SHA-256 exact ${r.exact}/${r.downloaders}${r.notDirect.length > 0 ? `; ${r.notDirect.length} links not direct at the start` : ''}` +
        `${r.notOnline.length > 0 ? `; ${r.notOnline.length} members not seen online` : ''}`
    })
    rows.push({
      measurement: '  blocks from the seeder',
      runs: [r.seederShare * 100],
      median: r.seederShare * 100,
      unit: '%',
      note: `${r.fromSeeder} of ${r.fetched} fetched (ideal ${round(100 / r.downloaders, 1)} %: one copy), ${r.fromPeers} between downloaders; ` +
        `${r.duplicates} duplicates; the seeder's row served ${r.seederServed} blocks (${r.seederCopies} copies of ${r.totalBlocks})`
    })
  }
  for (const e of errors) rows.push({ measurement: `swarm ${mib} → ${e.downloaders} downloaders`, runs: [], median: null, unit: 'ms', note: `failed: ${e.error}` })
  return rows
}

/** `<out>-swarm.svg`: time until all complete, and the seeder's share, against the number of downloaders. */
export function swarmPlot (result: SwarmResult): string {
  const rounds = [...result.rounds].sort((a, b) => a.downloaders - b.downloaders)
  const one = rounds.find(r => r.downloaders === 1)
  const mib = round(result.sizeBytes / MiB, 2)
  const limit = result.seederLimit != null ? `, ${limitText(result.seederLimit)}` : ''
  const time = linePlot({
    id: 'swarm-time',
    title: `${mib} MiB to n downloaders at once`,
    xLabel: 'downloaders',
    yLabel: 'seconds from the common start',
    xScale: 'log2',
    series: [
      { name: 'all complete', points: rounds.map(r => [r.downloaders, r.allCompleteMs / 1000]) },
      { name: 'each (median)', points: rounds.map(r => [r.downloaders, median(r.perDownloader.map(d => d.completeMs)) / 1000]) },
      ...(one != null ? [{ name: 'ideal: the time of 1', reference: true, points: rounds.map(r => [r.downloaders, one.allCompleteMs / 1000] as [number, number]) }] : [])
    ]
  })
  const share = linePlot({
    id: 'swarm-share',
    title: 'Where the blocks came from',
    xLabel: 'downloaders',
    yLabel: '% of blocks fetched',
    xScale: 'log2',
    series: [
      { name: 'from the seeder', points: rounds.map(r => [r.downloaders, r.seederShare * 100]) },
      { name: 'between downloaders', points: rounds.map(r => [r.downloaders, r.fetched > 0 ? r.fromPeers / r.fetched * 100 : 0]) },
      { name: 'ideal: the seeder sends one copy', reference: true, points: rounds.map(r => [r.downloaders, 100 / r.downloaders] as [number, number]) }
    ]
  })
  return sideBySide(`One file to many browsers: ${mib} MiB, 1 seeder${limit}`, [time, share])
}
