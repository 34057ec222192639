/**
 * `--only raw,files`: A→B over a raw RTCDataChannel and Peerlink's file
 * transfer between the same two pages, alternating (bench/raw-channel.ts,
 * bench/file-transfer.ts), with `--profile` one more, unmeasured transfer
 * under V8's CPU profiler; `--only play`: "Play <name>" → first frame while
 * the file downloads (bench/streaming.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { connectDirect, filesUiReady, measureFileTransfer, topFunctions, type FileRunResult } from '../file-transfer.ts'
import { measureRaw, type RawResult } from '../raw-channel.ts'
import { measurePlay } from '../streaming.ts'
import { openApp, waitReserved, type AppPage } from '../support/browser.ts'
import { brief, log } from '../support/log.ts'
import { MiB } from '../support/options.ts'
import { mbps, median, round } from '../support/stats.ts'
import { TIMEOUT_MS, type Loopback } from './section.ts'

export async function measureTransfers (loopback: Loopback): Promise<void> {
  const { options, results, browser, app, relays, relay } = loopback
  const { only, runs, size, chunk, highWater } = options
  // e2e/support/files.ts imports its neighbours as `.js` too (resolved by ../support/ts-imports.ts)
  const { saveToOpfs } = await import('../../e2e/support/files.ts')
  const a = await openApp(browser, app.url, 'A', { relays })
  const b = await openApp(browser, app.url, 'B', { relays, setup: saveToOpfs })
  await Promise.all([waitReserved(a, relay.peerId), waitReserved(b, relay.peerId)])
  log(`A ${a.peerId}, B ${b.peerId}`)

  let files = only.has('files')
  if (files && !await filesUiReady(a.page)) {
    files = false
    results.skipped.push('file transfer: the app has no "Send files" button (file-sharing UI not in apps/web/dist)')
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
  if (files && options.profile) await profileTransfer(loopback, a, b)
  await Promise.all([a.context.close(), b.context.close()])
  recordTransfers(loopback, raw, ours)
  results.load.afterTransfers = loadavg()
}

/** One more transfer, not measured (the profiler slows the pages down): A's and B's CPU profiles, saved beside `--out`. */
async function profileTransfer ({ options, app, relays }: Loopback, a: AppPage, b: AppPage): Promise<void> {
  const r = await measureFileTransfer(a, b, { size: options.size, name: 'bench-profiled.bin', appBase: app.url, relays, timeoutMs: TIMEOUT_MS, profile: true })
  await mkdir(dirname(options.out), { recursive: true })
  for (const [side, profile] of Object.entries(r.profiles ?? {})) {
    const file = join(dirname(options.out), `profile-${side.toUpperCase()}.cpuprofile`)
    await writeFile(file, JSON.stringify(profile))
    log(`${side.toUpperCase()}'s main thread during a profiled transfer (${Math.round(r.endToEndMs)} ms), ${file}; most self time:`)
    for (const [share, fn, where] of topFunctions(profile)) console.log(`  ${share.toFixed(1).padStart(5)} %  ${fn}  ${where}`)
  }
}

/** The rows of the raw channel's and Peerlink's runs, Peerlink's against the raw channel's median. */
function recordTransfers ({ options, results }: Loopback, raw: RawResult[], ours: FileRunResult[]): void {
  const { size, chunk, highWater } = options
  const { rows, details } = results
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
}

export async function measurePlaySection ({ options, results, browser, app, relays, relay }: Loopback): Promise<void> {
  try {
    const a = await openApp(browser, app.url, 'A', { relays })
    const b = await openApp(browser, app.url, 'B', { relays })
    await Promise.all([waitReserved(a, relay.peerId), waitReserved(b, relay.peerId)])
    const play = await measurePlay(a, b, { appBase: app.url, relays, runs: options.runs, timeoutMs: TIMEOUT_MS })
    results.rows.push({
      measurement: 'Play → first frame (streamed video)', runs: play.firstFrameMs, median: median(play.firstFrameMs), unit: 'ms',
      note: `30 s WebM of ${round(play.clipBytes / 1e6, 1)} MB, its download started by the click; share of its blocks held at the first frame: ${play.heldAtFirstFrame.map(h => `${Math.round(h * 100)} %`).join(', ')}`
    })
    results.details.play = play
  } catch (err) {
    results.failed = true
    results.skipped.push(`play: ${brief(err)}`)
    results.rows.push({ measurement: 'Play → first frame (streamed video)', runs: [], median: null, unit: 'ms', note: `failed: ${brief(err)}` })
  }
}
