#!/usr/bin/env node
/**
 * `pnpm bench`: Peerlink's file transfer against a raw RTCDataChannel between
 * the same two Chromium pages in the same run, call figures, how long
 * joining a room takes (bench/join.ts), one file to many browsers at once
 * (bench/swarm.ts) and chat latency across many pages (bench/chat.ts). Starts a
 * real relay, the built app (vite preview, a snapshot of apps/web/dist) and
 * Debian's Chromium; prints a table and writes bench/results/latest.json.
 * Builds nothing (`pnpm bench` runs `pnpm build` first). Run it inside a
 * loopback-only network namespace: `scripts/isolated pnpm bench`.
 * See docs/benchmarks.md.
 *
 * Options: --runs N (3), --size MiB (64), --only raw,files,calls,play,lab,join,join-lab,relay,storm,swarm,chat
 * (all by default; lab and join-lab, in the NAT lab of e2e/lab, only inside scripts/isolated), --participants N (4), --cpu-window s (20),
 * --chunk KiB (256), --high-water MiB (4), --out <file>, --profile (one
 * extra, unmeasured file transfer with V8 CPU profiles of A and B, saved
 * beside --out), --lab-pairs (cone-cone,cone-symmetric), --lab-size MiB (16),
 * --trials N (10: rooms joined by a fresh Bob, for join and join-lab), --relay-peers
 * (1000,2000: the reserved peers of each relay-capacity step; bench/relay-capacity/),
 * --storm-peers N (2000: peers holding reservations when the relay restarts, for storm),
 * --storm-signal SIGTERM|SIGKILL (SIGTERM), --swarm-size MiB (16: the file of each swarm round),
 * --swarm-downloaders (1,2,4,8: the downloaders of each round, starting together), --swarm-seeder-limit
 * (0: the seeder's upload limit, bytes per second with k or m, as the app's ?upload-limit=), --chat-pages
 * (6, or 6,12 with --full: the room's pages, half on each of two relays; one measurement per value),
 * --chat-rate (10: messages per second, all pages together), --chat-seconds (30: the sending window),
 * --chat-grace (10: seconds after the window a message may still arrive), --full.
 */
// first: lets the NAT lab's modules (e2e/lab, imported by bench/lab.ts) resolve their `.js` imports
import './support/ts-imports.ts'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { arch, cpus, loadavg, release, totalmem } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseUploadLimit } from '../apps/web/src/lib/files/upload-limit.ts'
import type { CallResult } from './calls.ts'
import { connectDirect, filesUiReady, measureFileTransfer, topFunctions, type FileRunResult } from './file-transfer.ts'
import type { JoinResult } from './join.ts'
import type { LabResult } from './lab.ts'
import { measurePlay } from './streaming.ts'
import { measureRaw, type RawResult } from './raw-channel.ts'
import { launchBrowser, openApp, waitReserved } from './support/browser.ts'
import { startApp, startRelay, stopChildrenOnExit, ROOT } from './support/servers.ts'
import { formatTable, mbps, median, round, type Row } from './support/stats.ts'

const MiB = 1024 * 1024

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    only: { type: 'string', default: 'raw,files,calls,play,lab,join,join-lab,relay,storm,swarm,chat' },
    participants: { type: 'string', default: '4' },
    'cpu-window': { type: 'string', default: '20' },
    chunk: { type: 'string', default: '256' },
    'high-water': { type: 'string', default: '4' },
    profile: { type: 'boolean', default: false },
    'lab-pairs': { type: 'string', default: 'cone-cone,cone-symmetric' },
    'lab-size': { type: 'string', default: '16' },
    trials: { type: 'string', default: '10' },
    'relay-peers': { type: 'string', default: '1000,2000' },
    'storm-peers': { type: 'string', default: '2000' },
    'storm-signal': { type: 'string', default: 'SIGTERM' },
    'swarm-size': { type: 'string', default: '16' },
    'swarm-downloaders': { type: 'string', default: '1,2,4,8' },
    'swarm-seeder-limit': { type: 'string', default: '0' },
    'chat-pages': { type: 'string' },
    'chat-rate': { type: 'string', default: '10' },
    'chat-seconds': { type: 'string', default: '30' },
    'chat-grace': { type: 'string', default: '10' },
    full: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') }
  }
})

function positive (name: string, value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`bench: --${name} must be a positive number (got "${value}")`)
    process.exit(2)
  }
  return n
}
const runs = Math.round(positive('runs', args.runs))
const size = Math.round(positive('size', args.size) * MiB)
const only = new Set(args.only.split(',').map(s => s.trim()))
const participants = Math.round(positive('participants', args.participants))
const cpuWindowMs = positive('cpu-window', args['cpu-window']) * 1000
const chunk = Math.round(positive('chunk', args.chunk) * 1024)
const highWater = Math.round(positive('high-water', args['high-water']) * MiB)
const labSize = Math.round(positive('lab-size', args['lab-size']) * MiB)
const labPairs = args['lab-pairs'].split(',').map(s => s.trim()).filter(s => s !== '')
const trials = Math.round(positive('trials', args.trials))
const relayPeers = args['relay-peers'].split(',').map(s => Math.round(positive('relay-peers', s.trim())))
const stormPeers = Math.round(positive('storm-peers', args['storm-peers']))
const stormSignal = args['storm-signal']
if (stormSignal !== 'SIGTERM' && stormSignal !== 'SIGKILL') {
  console.error(`bench: --storm-signal is SIGTERM or SIGKILL (got "${stormSignal}")`)
  process.exit(2)
}
const swarmSize = Math.round(positive('swarm-size', args['swarm-size']) * MiB)
// passed on as the seeder's ?upload-limit=, so checked by the app's own parser
const swarmSeederLimit = args['swarm-seeder-limit'].trim().toLowerCase()
if (parseUploadLimit(swarmSeederLimit) == null) {
  console.error(`bench: --swarm-seeder-limit is bytes per second, with k or m (e.g. 500k; 0 for none; got "${args['swarm-seeder-limit']}")`)
  process.exit(2)
}
const swarmDownloaders = args['swarm-downloaders'].split(',').map(s => Math.round(positive('swarm-downloaders', s.trim())))
const chatPages = (args['chat-pages'] ?? (args.full ? '6,12' : '6')).split(',').map(s => Math.round(positive('chat-pages', s.trim())))
if (chatPages.some(n => n < 2)) {
  console.error('bench: --chat-pages takes 2 pages or more')
  process.exit(2)
}
const chatRate = positive('chat-rate', args['chat-rate'])
const chatSeconds = positive('chat-seconds', args['chat-seconds'])
const chatGraceMs = positive('chat-grace', args['chat-grace']) * 1000
const PARTS = ['raw', 'files', 'calls', 'play', 'lab', 'join', 'join-lab', 'relay', 'storm', 'swarm', 'chat']
for (const part of only) {
  if (!PARTS.includes(part)) {
    console.error(`bench: --only takes ${PARTS.join(', ')} (got "${part}")`)
    process.exit(2)
  }
}
// imported only when asked for, after ./support/ts-imports.ts has run (a static import would link e2e/lab before it)
const labModule = only.has('lab') ? await import('./lab.ts') : undefined
for (const id of labModule == null ? [] : labPairs) {
  if (labModule!.LAB_PAIRS[id] == null) {
    console.error(`bench: --lab-pairs takes ${Object.keys(labModule!.LAB_PAIRS).join(', ')} (got "${id}")`)
    process.exit(2)
  }
}
// bench/join.ts imports e2e modules that need ./support/ts-imports.ts too
const joinModule = only.has('join') || only.has('join-lab') ? await import('./join.ts') : undefined
// and so do the e2e helpers bench/calls.ts, bench/swarm.ts and bench/chat.ts use
const callsModule = only.has('calls') ? await import('./calls.ts') : undefined
const swarmModule = only.has('swarm') ? await import('./swarm.ts') : undefined
const chatModule = only.has('chat') ? await import('./chat.ts') : undefined
/** The parts measured on one loopback (a relay, the app and one Chromium of their own; chat adds two relays of its own). */
const loopback = ['raw', 'files', 'calls', 'play', 'join', 'swarm', 'chat'].some(part => only.has(part))

function log (line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)
}

for (const built of ['relay/dist/main.js', 'apps/web/dist/index.html']) {
  if (!existsSync(join(ROOT, built))) {
    console.error(`bench: ${built} is missing: run \`pnpm build\` first (\`pnpm bench\` does)`)
    process.exit(2)
  }
}
if (process.env.PEERLINK_ISOLATED !== '1') {
  log('note: not inside a loopback-only network namespace (scripts/isolated pnpm bench): ICE may also use other interfaces')
}

const TIMEOUT_MS = 600_000
const rows: Row[] = []
const skipped: string[] = []
const details: Record<string, unknown> = {}
const load: Record<string, number[]> = { start: loadavg() }
const cleanups: Array<() => Promise<unknown>> = []
let browserVersion = ''
let failed = false
/** The lab's target per pair, printed under the table. */
const labVerdicts: string[] = []
/** Joining a room: the first message's p50 and, in the lab, its aim; printed under the table. */
const joinVerdicts: string[] = []

stopChildrenOnExit()

/** Stops the browser, the app server and the relay (once, however often called). */
let cleaned: Promise<void> | undefined
async function cleanUp (): Promise<void> {
  cleaned ??= (async () => {
    while (cleanups.length > 0) await cleanups.pop()!().catch((err: unknown) => { log(`cleanup: ${String(err)}`) })
  })()
  return cleaned
}
/** Registers what stops a process the bench started; if it is already stopping, stops it at once. */
function onCleanUp (cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup)
  if (cleaned != null) {
    cleaned = cleaned.then(async () => {
      while (cleanups.length > 0) await cleanups.pop()!().catch((err: unknown) => { log(`cleanup: ${String(err)}`) })
    })
  }
}

/** An error in a line or a few: Playwright appends its call log and the browser's output. */
function brief (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const message = err.message.split('\n').filter(l => l.trim() !== '' && !l.includes('[pid=')).slice(0, 4).join('\n')
  const at = (err.stack ?? '').split('\n').filter(l => l.trimStart().startsWith('at ')).slice(0, 3).join('\n')
  return `${message}\n${at}`
}
process.on('unhandledRejection', (err) => { log(`unhandled: ${brief(err)}`) })

// Ctrl-C or a kill: the same clean-up, then leave without results
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`)
    void cleanUp().then(() => process.exit(130))
  })
}

try {
  if (loopback) await measureLoopback()
  if (only.has('lab')) await measureNatLab()
  if (only.has('join-lab')) await measureJoinLab()
  if (only.has('relay')) await measureRelay()
  if (only.has('storm')) await measureStorm()
} catch (err) {
  failed = true
  console.error(`bench failed: ${brief(err)}`)
} finally {
  await cleanUp()
}

/** Inside the e2e NAT lab: a raw data channel and Peerlink's download between two pages in two home networks. */
async function measureNatLab (): Promise<void> {
  if (process.env.PEERLINK_ISOLATED !== '1' || labModule == null) {
    skipped.push('lab: the NAT lab builds its networks in the namespace it runs in; run the bench under scripts/isolated')
    return
  }
  let lab: LabResult
  try {
    lab = await labModule.measureLab({ pairs: labPairs, runs, size: labSize, chunk, highWater, timeoutMs: 120_000, log, onCleanUp })
  } catch (err) {
    failed = true
    skipped.push(`lab: ${brief(err)}`)
    rows.push({ measurement: 'lab', runs: [], median: null, unit: 'ms', note: `failed: ${brief(err).split('\n')[0]}` })
    return
  }
  if (lab.failed) failed = true
  browserVersion ||= lab.browserVersion
  rows.push(...lab.rows)
  labVerdicts.push(...lab.verdicts)
  details.lab = { origin: lab.origin, sizeBytes: lab.sizeBytes, pairs: lab.pairs }
  load.afterLab = loadavg()
}

/** One relay, stock js-libp2p clients reserving on it in steps (bench/relay-capacity/). */
async function measureRelay (): Promise<void> {
  const { capacityPlot, measureRelayCapacity } = await import('./relay-capacity/run.ts')
  load.beforeRelay = loadavg()
  try {
    const capacity = await measureRelayCapacity({ steps: relayPeers, workers: 4, perSecond: 15, timeoutMs: 60_000, settleMs: 5000, relayEnv: { MALLOC_ARENA_MAX: '2' } }, log)
    for (const step of capacity.steps) {
      rows.push({
        measurement: `relay RSS, ${step.reserved} of ${step.clients} reserved`,
        runs: [step.relayRssMiB],
        median: step.relayRssMiB,
        unit: 'MiB',
        note: `${step.perPeerKiB} KiB per peer over the empty relay (${capacity.baselineRssMiB} MiB); heap ${step.heapUsedMiB ?? '?'} of ${step.heapTotalMiB ?? '?'} MiB; relay CPU ${step.relayCpuCores} cores while they arrived; /healthz ${step.healthzMs} ms`
      })
      rows.push({
        measurement: `  reservation, step to ${step.clients}`,
        runs: [step.latencyP50Ms],
        median: step.latencyP50Ms,
        unit: 'ms',
        note: `p99 ${step.latencyP99Ms} ms; dial, Noise, yamux, identify and reservation, timed by the client`
      })
    }
    const plot = join(dirname(args.out), `${basename(args.out, '.json')}-relay.svg`)
    await mkdir(dirname(plot), { recursive: true })
    await writeFile(plot, capacityPlot(capacity))
    log(`wrote ${plot}`)
    if (capacity.firstFailure != null) skipped.push(`relay capacity: first failure at ${capacity.firstFailure.clients} clients: ${capacity.firstFailure.error}`)
    details.relay = capacity
  } catch (err) {
    failed = true
    skipped.push(`relay: ${brief(err)}`)
    rows.push({ measurement: 'relay capacity', runs: [], median: null, unit: 'MiB', note: `failed: ${brief(err).split('\n')[0]}` })
  }
  load.afterRelay = loadavg()
}

/** A relay restart with peers kept on it by Peerlink's RelayKeeper (bench/relay-capacity/storm.ts). */
async function measureStorm (): Promise<void> {
  const { measureReconnectStorm, stormPlot } = await import('./relay-capacity/storm.ts')
  load.beforeStorm = loadavg()
  try {
    const storm = await measureReconnectStorm({ peers: stormPeers, workers: 4, perSecond: 15, timeoutMs: 60_000, signal: stormSignal as 'SIGTERM' | 'SIGKILL', recoverMs: 300_000, relayEnv: { MALLOC_ARENA_MAX: '2' } }, log)
    const away = `relay away ${round((storm.stopMs + storm.startMs) / 1000, 1)} s (${storm.signal})`
    rows.push({
      measurement: `storm: 99 % of ${storm.reservedBefore} back`,
      runs: storm.to99Ms == null ? [] : [storm.to99Ms],
      median: storm.to99Ms ?? null,
      unit: 'ms',
      note: `from the restarted relay's ready; all back ${storm.toAllMs ?? 'never'}${storm.toAllMs == null ? '' : ' ms'}; ${storm.lost} lost; ${away}; relay CPU ${storm.relayCpuCores} cores, RSS ${storm.relayRssBeforeMiB} → ${storm.relayRssAfterMiB} MiB`
    })
    rows.push({
      measurement: '  /healthz during the storm',
      runs: [storm.healthz.p50Ms],
      median: storm.healthz.p50Ms,
      unit: 'ms',
      note: `p99 ${storm.healthz.p99Ms} ms, max ${storm.healthz.maxMs} ms; ${storm.healthz.failed} of ${storm.healthz.samples} samples failed`
    })
    const plot = join(dirname(args.out), `${basename(args.out, '.json')}-storm.svg`)
    await mkdir(dirname(plot), { recursive: true })
    await writeFile(plot, stormPlot(storm))
    log(`wrote ${plot}`)
    if (storm.lost > 0) skipped.push(`storm: ${storm.lost} of ${storm.reservedBefore} peers had no reservation ${storm.timeline.at(-1)?.[0] ?? 0} ms after the restart`)
    details.storm = storm
  } catch (err) {
    failed = true
    skipped.push(`storm: ${brief(err)}`)
    rows.push({ measurement: 'reconnect storm', runs: [], median: null, unit: 'ms', note: `failed: ${brief(err).split('\n')[0]}` })
  }
  load.afterStorm = loadavg()
}

/** Records a join section's rows, verdict and trials (`details[key]`), or its failure. */
function recordJoin (key: 'join' | 'joinLab', label: string, outcome: JoinResult | { error: unknown }): void {
  if ('error' in outcome) {
    failed = true
    const why = brief(outcome.error)
    skipped.push(`${label}: ${why}`)
    rows.push({ measurement: `join ${label}`, runs: [], median: null, unit: 'ms', note: `failed: ${why.split('\n')[0]}` })
    joinVerdicts.push(`join ${label}: failed before its trials${key === 'joinLab' ? `; aim p50 < ${(joinModule?.FIRST_MESSAGE_AIM_MS ?? 0) / 1000} s: not measured` : ''}`)
    return
  }
  if (outcome.failed) failed = true
  rows.push(...outcome.rows)
  joinVerdicts.push(outcome.verdict)
  details[key] = { where: outcome.where, aimMet: outcome.aimMet, summary: outcome.summary, load: outcome.load, trials: outcome.trials }
}

/** Inside the e2e NAT lab: rooms joined by a fresh Bob in one cone-NAT home, Ann in another. */
async function measureJoinLab (): Promise<void> {
  if (process.env.PEERLINK_ISOLATED !== '1' || joinModule == null) {
    skipped.push('join-lab: the NAT lab builds its networks in the namespace it runs in; run the bench under scripts/isolated')
    joinVerdicts.push(`join lab: not run (outside scripts/isolated); aim p50 < ${(joinModule?.FIRST_MESSAGE_AIM_MS ?? 0) / 1000} s: not measured`)
    return
  }
  load.beforeJoinLab = loadavg()
  try {
    const result = await joinModule.measureJoinLab({ trials, timeoutMs: 60_000, log, onCleanUp })
    browserVersion ||= result.browserVersion
    recordJoin('joinLab', 'lab', result)
  } catch (err) {
    recordJoin('joinLab', 'lab', { error: err })
  }
  load.afterJoinLab = loadavg()
}

async function measureLoopback (): Promise<void> {
  log('starting a relay and the app')
  const relay = await startRelay()
  onCleanUp(async () => { await relay.stop(); await rm(relay.dataDir, { recursive: true, force: true }) })
  const app = await startApp()
  onCleanUp(async () => app.stop())
  const browser = await launchBrowser()
  onCleanUp(async () => browser.close())
  browserVersion = browser.version()
  log(`Chromium ${browserVersion}, app ${app.url}, relay ${relay.peerId}`)
  const relays = [relay.infoUrl]

  // --- 64 MiB A→B: raw data channel and Peerlink's file transfer, alternating
  if (only.has('raw') || only.has('files')) {
    // e2e/support/files.ts imports its neighbours as `.js` too (resolved by ./support/ts-imports.ts)
    const { saveToOpfs } = await import('../e2e/support/files.ts')
    const a = await openApp(browser, app.url, 'A', { relays })
    const b = await openApp(browser, app.url, 'B', { relays, setup: saveToOpfs })
    await Promise.all([waitReserved(a, relay.peerId), waitReserved(b, relay.peerId)])
    log(`A ${a.peerId}, B ${b.peerId}`)

    let files = only.has('files')
    if (files && !await filesUiReady(a.page)) {
      files = false
      skipped.push('file transfer: the app has no "Send files" button (file-sharing UI not in apps/web/dist)')
    }
    if (files) {
      await connectDirect(a, b)
      log('B is connected to A over direct WebRTC')
    }

    const raw: RawResult[] = []
    const ours: FileRunResult[] = []
    for (let i = 0; i < runs; i++) {
      if (only.has('raw')) {
        const r = await measureRaw(a.page, b.page, { size, chunk, highWater, lowWater: highWater / 2 })
        raw.push(r)
        log(`raw RTCDataChannel ${i + 1}/${runs}: ${Math.round(r.ms)} ms, ${round(mbps(size, r.ms))} MB/s, CPU ${r.cpuSeconds} s (setup ${r.setupMs} ms, ${r.pair})`)
      }
      if (files) {
        const r = await measureFileTransfer(a, b, { size, name: `bench-${i + 1}.bin`, appBase: app.url, relays, timeoutMs: TIMEOUT_MS })
        ours.push(r)
        log(`Peerlink file ${i + 1}/${runs}: stored ${Math.round(r.storedMs)} ms (${round(mbps(size, r.storedMs))} MB/s), ` +
          `end to end ${Math.round(r.endToEndMs)} ms (${round(mbps(size, r.endToEndMs))} MB/s, ${round(r.onDiskAtStored / MiB)} MiB on disk when stored), CPU ${r.cpuEndToEndSeconds} s, ` +
          `share on A ${r.shareMs} ms, blocks ${r.fetched}/${r.totalBlocks} from ${Object.keys(r.sources).length} peer(s), ` +
          `B heap ${r.heapB == null ? '?' : Math.round(r.heapB / MiB)} MiB, B storage ${r.storageB == null ? '?' : Math.round(r.storageB / MiB)} MiB`)
      }
    }
    if (files && args.profile) {
      // not measured: the profiler slows the pages down
      const r = await measureFileTransfer(a, b, { size, name: 'bench-profiled.bin', appBase: app.url, relays, timeoutMs: TIMEOUT_MS, profile: true })
      await mkdir(dirname(args.out), { recursive: true })
      for (const [side, profile] of Object.entries(r.profiles ?? {})) {
        const file = join(dirname(args.out), `profile-${side.toUpperCase()}.cpuprofile`)
        await writeFile(file, JSON.stringify(profile))
        log(`${side.toUpperCase()}'s main thread during a profiled transfer (${Math.round(r.endToEndMs)} ms), ${file}; most self time:`)
        for (const [share, fn, where] of topFunctions(profile)) console.log(`  ${share.toFixed(1).padStart(5)} %  ${fn}  ${where}`)
      }
    }
    await Promise.all([a.context.close(), b.context.close()])

    const rawMs = median(raw.map(r => r.ms))
    const vsRaw = (ms: number): number | undefined => raw.length > 0 ? rawMs / ms : undefined
    if (raw.length > 0) {
      rows.push({
        measurement: 'raw RTCDataChannel A→B', runs: raw.map(r => r.ms), median: rawMs, unit: 'ms', MBps: mbps(size, rawMs), vsRaw: 1,
        cpuSeconds: median(raw.map(r => r.cpuSeconds)),
        note: `first send → last byte counted; ${chunk / 1024} KiB messages, high water ${highWater / MiB} MiB`
      })
      details.raw = raw
    }
    if (ours.length > 0) {
      const stored = median(ours.map(r => r.storedMs))
      const e2e = median(ours.map(r => r.endToEndMs))
      const tail = ours.map(r => r.endToEndMs - r.storedMs)
      rows.push({
        measurement: 'Peerlink transfer (stored)', runs: ours.map(r => r.storedMs), median: stored, unit: 'ms', MBps: mbps(size, stored), vsRaw: vsRaw(stored),
        cpuSeconds: median(ours.map(r => r.cpuStoredSeconds)),
        note: 'click → complete: blocks fetched, hash-verified, in IndexedDB'
      })
      rows.push({
        measurement: 'Peerlink end to end (saved while downloading)', runs: ours.map(r => r.endToEndMs), median: e2e, unit: 'ms', MBps: mbps(size, e2e), vsRaw: vsRaw(e2e),
        cpuSeconds: median(ours.map(r => r.cpuEndToEndSeconds)),
        note: 'click → saved: picked at the click, decrypted and written to OPFS as it arrives; SHA-256 checked'
      })
      rows.push({ measurement: '  saving after stored', runs: tail, median: median(tail), unit: 'ms', note: 'complete → saved: the last segments written, the file closed' })
      const sw = ours.map(r => r.serviceWorkerReadMs).filter((v): v is number => v != null)
      if (sw.length > 0) {
        rows.push({ measurement: '  read back via service worker', runs: sw, median: median(sw), unit: 'ms', MBps: mbps(size, median(sw)), note: 'files/<cid>/<name> fetched, body drained (the other save path)' })
      }
      const share = ours.map(r => r.shareMs)
      rows.push({ measurement: '  share on A (encrypt, chunk, store)', runs: share, median: median(share), unit: 'ms', MBps: mbps(size, median(share)), note: 'before the transfer, not in the ratio' })
      details.files = ours.map(({ profiles: _, ...r }) => r)
    }
    load.afterTransfers = loadavg()
  }

  // --- calls
  if (only.has('calls') && callsModule != null) {
    let call: CallResult | { skipped: string }
    try {
      call = await callsModule.measureCall(browser, { participants, appBase: app.url, relays, cpuWindowMs, timeoutMs: 120_000, log })
    } catch (err) {
      failed = true
      call = { skipped: `the call measurement failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` }
      log(`calls failed: ${brief(err)}`)
    }
    if ('skipped' in call) {
      skipped.push(`calls: ${call.skipped}`)
      rows.push({ measurement: 'Join call → first decoded remote frame', runs: [], median: null, unit: 'ms', note: `skipped: ${call.skipped}` })
      rows.push({ measurement: `CPU per participant, ${participants}-person call`, runs: [], median: null, unit: 'cores', note: `skipped: ${call.skipped}` })
    } else {
      const first = call.joins.map(j => j.firstFrameMs)
      const all = call.joins.map(j => j.allFramesMs)
      if (call.joins.length > 0) {
        rows.push({ measurement: 'Join call → first decoded remote frame', runs: first, median: median(first), unit: 'ms', note: `each joiner, into calls of ${call.joins.map(j => j.participants - 1).join(', ')}; getStats every 20 ms` })
        rows.push({ measurement: '  → frames from everyone in the call', runs: all, median: median(all), unit: 'ms', note: 'until every member already in the call is decoded' })
      }
      if (call.error != null) {
        failed = true
        log(`calls: ${call.error}`)
        skipped.push(`calls: the ${participants}-person call did not complete: ${call.error}`)
        rows.push({ measurement: `CPU per participant, ${participants}-person call`, runs: [], median: null, unit: 'cores', note: `failed: ${call.error}` })
      } else if (call.cpu != null) {
        rows.push({
          measurement: `CPU per participant, ${participants}-person call`, runs: [call.cpu.coresPerParticipant], median: call.cpu.coresPerParticipant, unit: 'cores',
          note: `all Chromium processes ${round(call.cpu.coresTotal, 2)} cores / ${participants} over ${round(call.cpu.windowMs / 1000, 0)} s; decoded fps per stream ${call.fpsPerStream?.join(', ') ?? ''}`
        })
      }
      details.calls = call
    }
    load.afterCalls = loadavg()
  }
  // --- streamed video: "Play <name>" → first frame, while the file downloads
  if (only.has('play')) {
    try {
      const a = await openApp(browser, app.url, 'A', { relays })
      const b = await openApp(browser, app.url, 'B', { relays })
      await Promise.all([waitReserved(a, relay.peerId), waitReserved(b, relay.peerId)])
      const play = await measurePlay(a, b, { appBase: app.url, relays, runs, timeoutMs: TIMEOUT_MS })
      rows.push({
        measurement: 'Play → first frame (streamed video)', runs: play.firstFrameMs, median: median(play.firstFrameMs), unit: 'ms',
        note: `30 s WebM of ${round(play.clipBytes / 1e6, 1)} MB, its download started by the click; share of its blocks held at the first frame: ${play.heldAtFirstFrame.map(h => `${Math.round(h * 100)} %`).join(', ')}`
      })
      details.play = play
    } catch (err) {
      failed = true
      skipped.push(`play: ${brief(err)}`)
      rows.push({ measurement: 'Play → first frame (streamed video)', runs: [], median: null, unit: 'ms', note: `failed: ${brief(err)}` })
    }
  }
  // --- joining a room: a fresh Bob opens Ann's room link, `trials` times
  if (only.has('join') && joinModule != null) {
    load.beforeJoin = loadavg()
    try {
      recordJoin('join', 'loopback', await joinModule.measureJoin(browser, { trials, timeoutMs: 60_000, log, onCleanUp, appBase: app.url, relays, relayPeerId: relay.peerId }))
    } catch (err) {
      recordJoin('join', 'loopback', { error: err })
    }
    load.afterJoin = loadavg()
  }
  // --- one file to many browsers: a seeder and 1, 2, 4, 8 downloaders starting together
  if (only.has('swarm') && swarmModule != null) {
    load.beforeSwarm = loadavg()
    try {
      const swarm = await swarmModule.measureSwarm(browser, {
        size: swarmSize, downloaders: swarmDownloaders, seederLimit: swarmSeederLimit, appBase: app.url, relays, relayPeerId: relay.peerId, timeoutMs: TIMEOUT_MS, meshMs: 60_000, log
      })
      rows.push(...swarm.rows)
      for (const e of swarm.errors) {
        failed = true
        skipped.push(`swarm, ${e.downloaders} downloaders: ${e.error}`)
      }
      for (const r of swarm.rounds.filter(r => r.notOnline.length > 0)) skipped.push(`swarm, ${r.downloaders} downloaders: members not seen online before the start: ${r.notOnline.join(', ')}`)
      const inexact = swarm.rounds.filter(r => r.exact !== r.downloaders)
      if (inexact.length > 0) {
        failed = true
        skipped.push(`swarm: saved files with a wrong SHA-256 in the rounds of ${inexact.map(r => r.downloaders).join(', ')} downloaders`)
      }
      if (swarm.rounds.length > 0) {
        const plot = join(dirname(args.out), `${basename(args.out, '.json')}-swarm.svg`)
        await mkdir(dirname(plot), { recursive: true })
        await writeFile(plot, swarmModule.swarmPlot(swarm))
        log(`wrote ${plot}`)
      }
      details.swarm = { sizeBytes: swarm.sizeBytes, seederLimit: swarm.seederLimit ?? null, rounds: swarm.rounds, errors: swarm.errors }
    } catch (err) {
      failed = true
      skipped.push(`swarm: ${brief(err)}`)
      rows.push({ measurement: 'swarm', runs: [], median: null, unit: 'ms', note: `failed: ${brief(err).split('\n')[0]}` })
    }
    load.afterSwarm = loadavg()
  }
  // --- chat latency: pages on two relays, all in one room, 10 messages/s in all
  if (only.has('chat') && chatModule != null) {
    load.beforeChat = loadavg()
    const results = []
    for (const pages of chatPages) {
      try {
        const chat = await chatModule.measureChat(browser, {
          pages, rate: chatRate, seconds: chatSeconds, graceMs: chatGraceMs, appBase: app.url, timeoutMs: 120_000, meshMs: 30_000, log, onCleanUp
        })
        results.push(chat)
        const l = chat.latency
        log(`chat ${pages}: send → render p50 ${l?.p50 ?? '—'} ms, p99 ${l?.p99 ?? '—'} ms, max ${l?.max ?? '—'} ms over ${chat.rendered} pairs; ` +
          `${chat.lost} of ${chat.pairs} not rendered; clocks within ${chat.clock.before.maxSkewMs}/${chat.clock.after.maxSkewMs} ms of Node's`)
        if (chat.notOnline.length > 0) skipped.push(`chat, ${pages} pages: members not seen online after 120 s: ${chat.notOnline.join(', ')}`)
        if (chat.lost > 0) skipped.push(`chat, ${pages} pages: ${chat.lost} of ${chat.pairs} (message, page) pairs not rendered within ${chatSeconds} + ${chatGraceMs / 1000} s`)
      } catch (err) {
        failed = true
        skipped.push(`chat, ${pages} pages: ${brief(err)}`)
        rows.push({ measurement: `chat ${pages} pages: send → render`, runs: [], median: null, unit: 'ms', note: `failed: ${brief(err).split('\n')[0]}` })
      }
    }
    rows.push(...chatModule.chatRows(results))
    if (results.length >= 2) {
      const plot = join(dirname(args.out), `${basename(args.out, '.json')}-chat.svg`)
      await mkdir(dirname(plot), { recursive: true })
      await writeFile(plot, chatModule.chatPlot(results))
      log(`wrote ${plot}`)
    }
    if (results.length > 0) details.chat = results
    load.afterChat = loadavg()
  }
}

load.end = loadavg()
/** The commit measured, and whether the app, core or relay had uncommitted changes (the build is of the working tree). */
function revision (): { commit: string, dirty: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/web', 'packages/core', 'relay'], { cwd: ROOT, encoding: 'utf8' }).trim() !== ''
    return { commit, dirty }
  } catch {
    return undefined
  }
}

const result = {
  date: new Date().toISOString(),
  revision: revision(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    arch: arch(),
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    kernel: release(),
    node: process.version,
    chromium: browserVersion,
    headless: true,
    network: process.env.PEERLINK_ISOLATED === '1' ? 'loopback-only network namespace' : 'host network',
    /** 1/5/15-minute load averages: other work on the machine skews absolute figures; compare within a run. */
    loadavg: Object.fromEntries(Object.entries(load).map(([k, v]) => [k, v.map(x => round(x, 2))]))
  },
  options: {
    runs, sizeBytes: size, chunkBytes: chunk, highWaterBytes: highWater, participants, cpuWindowMs, only: [...only],
    ...(only.has('lab') ? { labPairs, labSizeBytes: labSize } : {}),
    ...(joinModule != null ? { trials } : {}),
    ...(only.has('relay') ? { relayPeers } : {}),
    ...(only.has('storm') ? { stormPeers, stormSignal } : {}),
    ...(only.has('swarm') ? { swarmSizeBytes: swarmSize, swarmDownloaders, swarmSeederLimit } : {}),
    ...(only.has('chat') ? { chatPages, chatRate, chatSeconds, chatGraceMs } : {})
  },
  rows: rows.map(r => ({
    ...r,
    runs: r.runs.map(v => round(v, 2)),
    median: r.median == null ? null : round(r.median, 2),
    ...(r.MBps != null ? { MBps: round(r.MBps, 2) } : {}),
    ...(r.vsRaw != null ? { vsRaw: round(r.vsRaw, 3) } : {}),
    ...(r.cpuSeconds != null ? { cpuSeconds: round(r.cpuSeconds, 2) } : {}),
    ...(r.p95 != null ? { p95: round(r.p95, 2) } : {}),
    ...(r.p99 != null ? { p99: round(r.p99, 2) } : {}),
    ...(r.min != null ? { min: round(r.min, 2) } : {}),
    ...(r.max != null ? { max: round(r.max, 2) } : {})
  })),
  skipped,
  details
}
console.log(`\n${formatTable(rows)}\n`)
for (const s of skipped) console.log(`skipped: ${s}`)
if (labVerdicts.length > 0) console.log(`NAT lab, a ${labSize / MiB} MiB download within ${labModule?.TARGET_RATIO}× of a raw data channel on the same path:\n${labVerdicts.map(v => `  ${v}`).join('\n')}\n`)
if (joinVerdicts.length > 0) console.log(`Joining a room, ${trials} trial${trials === 1 ? '' : 's'} each, from Bob's navigation start (median = p50):\n${joinVerdicts.map(v => `  ${v}`).join('\n')}\n`)
const transfers = ['raw', 'files', 'calls', 'play', 'lab'].some(part => only.has(part))
const sizes = [...(transfers && loopback ? [`${size / MiB} MiB per transfer`] : []), ...(only.has('lab') ? [`${labSize / MiB} MiB in the lab`] : [])]
const counts = [...(transfers ? [`median of ${runs}`] : []), ...(joinModule != null ? [`join: ${trials} trial${trials === 1 ? '' : 's'}`] : [])]
const sectionLoad = (['beforeJoin', 'afterJoin', 'beforeJoinLab', 'afterJoinLab', 'beforeSwarm', 'afterSwarm', 'beforeChat', 'afterChat'] as const).filter(k => load[k] != null).map(k => `${k} ${load[k]![0]!.toFixed(1)}`)
const loadNote = `load average ${load.start?.[0]?.toFixed(1)} → ${load.end[0]?.toFixed(1)} on ${cpus().length} cores${sectionLoad.length > 0 ? ` (${sectionLoad.join(', ')})` : ''}; ` +
  `${result.machine.cpu}, ${result.machine.memoryGiB} GiB, Linux ${result.machine.kernel}${browserVersion !== '' ? `, headless Chromium ${browserVersion}` : ''}`
console.log(`(${[...(sizes.length > 0 ? ['MB = 10^6 bytes', ...sizes] : []), ...counts, loadNote].join('; ')})`)
await mkdir(dirname(args.out), { recursive: true })
await writeFile(args.out, JSON.stringify(result, null, 2) + '\n')
log(`wrote ${args.out}`)
process.exitCode = failed ? 1 : 0
