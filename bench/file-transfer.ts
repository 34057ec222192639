/**
 * Peerlink's own file transfer, end to end through the app's UI: A shares a
 * fresh random file ("Send files"), B opens its file link
 * (`#/f/<cid>/<key>?p=<A>`, from A's "Copy file link") and clicks
 * "Download <name>" with the File System Access API pointed at OPFS (as the
 * e2e tests do), so the destination is picked at the click and the file is
 * saved while it downloads. Timed in B's page from the click to the row's
 * `data-state="complete"` (every block fetched over the direct WebRTC
 * connection, hash-verified and persisted to IndexedDB) and to
 * `data-save="saved"` (every segment decrypted and written to the OPFS file
 * as it arrived, the file closed once the download completed). The saved
 * file's SHA-256 is checked against the original.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CDPSession, Locator, Page } from '@playwright/test'
import { appUrl, openView } from '../e2e/support/app.ts'
import { waitDirect, type AppPage } from './support/browser.ts'
import { cpuDelta, sampleChromiumCpu } from './support/cpu.ts'

export interface FileRunResult {
  name: string
  cid: string
  size: number
  /** A: "Send files" until A's row is complete (encrypted, chunked, stored). */
  shareMs: number
  /** B: the download click until the row is complete (fetched, verified, persisted to IndexedDB). */
  storedMs: number
  /** B: the download click until the file is saved (decrypted and written to OPFS while it downloads, closed once complete). */
  endToEndMs: number
  /** B: bytes already written into the picked file when the download was stored (the save's lag behind the download). */
  onDiskAtStored: number
  /** B: reading the stored file back through the service worker's files route, body drained (the save path without a file picker). */
  serviceWorkerReadMs: number | null
  /** CPU seconds of all Chromium processes from the click until stored, and until saved. */
  cpuStoredSeconds: number
  cpuEndToEndSeconds: number
  cpuEndToEndByType: Record<string, number>
  /** B's JS heap in use (after a full garbage collection) and its origin's storage use after the run (diagnostics), bytes. */
  heapB: number | null
  storageB: number | null
  /** With `profile`: V8 CPU profiles of A's and B's main threads, click → saved. */
  profiles?: { a: CpuProfile, b: CpuProfile }
  /** Blocks fetched per provider PeerId (from B's row). */
  sources: Record<string, number>
  fetched: number
  totalBlocks: number
  duplicates: number
}

interface FileTimes {
  cid: string
  click?: number
  state: Record<string, number>
  save: Record<string, number>
  /** Bytes in the picked file when the row turned complete (its `.crswap` while it is written; null: already closed). */
  onDiskAtStored?: number | null
}

type BenchWindow = Window & { __benchFile?: FileTimes }

/** Whether the app has the file-sharing UI this measurement drives (the first screen's "Send files" button). */
export async function filesUiReady (page: Page): Promise<boolean> {
  return (await page.getByRole('button', { name: 'Send files' }).count()) > 0
}

function fileRow (page: Page, name: string): Locator {
  return page.locator('.file-row').filter({ has: page.getByRole('link', { name: `Download ${name}`, exact: true }) })
}

/** Connects B to A by PeerId through the UI (Settings, "Connect to a peer") and waits until A sees B over a direct WebRTC connection. */
export async function connectDirect (a: AppPage, b: AppPage): Promise<void> {
  await openView(b.page, 'settings')
  await b.page.getByRole('textbox', { name: 'Peer ID' }).fill(a.peerId)
  await b.page.getByRole('button', { name: 'Connect' }).click()
  await waitDirect(a, b.peerId)
}

export interface FileRunOptions {
  size: number
  name: string
  appBase: string
  relays: string[]
  timeoutMs: number
  /** Records a V8 CPU profile of A's and B's main threads from the click until saved. */
  profile?: boolean
}

/** A V8 CPU profile (DevTools' .cpuprofile format). */
export interface CpuProfile {
  nodes: Array<{ id: number, hitCount?: number, callFrame: { functionName: string, url: string, lineNumber: number } }>
  startTime: number
  endTime: number
}

async function startProfile (page: Page): Promise<CDPSession> {
  const session = await page.context().newCDPSession(page)
  await session.send('Profiler.enable')
  await session.send('Profiler.setSamplingInterval', { interval: 500 })
  await session.send('Profiler.start')
  return session
}

async function stopProfile (session: CDPSession): Promise<CpuProfile> {
  const { profile } = await session.send('Profiler.stop')
  await session.detach()
  return profile as unknown as CpuProfile
}

/** The functions with the most self time in a profile: [share of samples, function, where]. */
export function topFunctions (profile: CpuProfile, count = 15): Array<[number, string, string]> {
  const byFunction = new Map<string, number>()
  let total = 0
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0
    total += hits
    const { functionName, url, lineNumber } = node.callFrame
    const key = `${functionName === '' ? '(anonymous)' : functionName}\t${url === '' ? '' : `${url.replace(/^.*\//, '')}:${lineNumber + 1}`}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits)
  }
  return [...byFunction.entries()].sort((x, y) => y[1] - x[1]).slice(0, count)
    .map(([key, hits]) => { const [fn, where] = key.split('\t'); return [Math.round(hits / total * 1000) / 10, fn!, where ?? ''] })
}

export async function measureFileTransfer (a: AppPage, b: AppPage, options: FileRunOptions): Promise<FileRunResult> {
  const { size, name, timeoutMs } = options
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-bench-file-'))
  try {
    const bytes = randomBytes(size)
    const sha256 = createHash('sha256').update(bytes).digest('hex')
    const path = join(dir, name)
    await writeFile(path, bytes)

    // A sends it from the first screen ("Send files"; its row is under the recent files)
    const shareStart = Date.now()
    const chooser = a.page.waitForEvent('filechooser')
    chooser.catch(() => {}) // awaited below
    await a.page.getByRole('button', { name: 'Send files' }).click()
    await (await chooser).setFiles(path)
    const aRow = fileRow(a.page, name)
    await aRow.and(a.page.locator('[data-state="complete"]')).waitFor({ timeout: timeoutMs })
    const shareMs = Date.now() - shareStart
    const cid = (await aRow.getAttribute('data-cid')) ?? ''
    await aRow.getByRole('button', { name: 'Copy file link' }).click()
    const link = await a.page.evaluate(async () => navigator.clipboard.readText())
    if (!link.includes(`#/f/${cid}/`) || !link.includes(a.peerId)) throw new Error(`unexpected file link from A: ${link}`)

    // B opens the link (same document: its connections stay) and waits for the name (the manifest is in)
    await b.page.goto(appUrl(options.relays, { base: options.appBase }) + new URL(link).hash)
    const bRow = b.page.locator(`.file-row[data-cid="${cid}"]`)
    const download = bRow.getByRole('link', { name: `Download ${name}`, exact: true })
    await download.waitFor({ timeout: timeoutMs })
    await waitDirect(a, b.peerId)

    // timestamps taken in B's page: the click (capture phase, before the app's handler) and attribute changes
    await b.page.evaluate(({ cid, name }) => {
      const times: FileTimes = { cid, state: {}, save: {} }
      const onDisk = async (): Promise<number | null> => {
        const root = await navigator.storage.getDirectory()
        try {
          return (await (await root.getFileHandle(`${name}.crswap`)).getFile()).size
        } catch {
          return null
        }
      }
      ;(window as BenchWindow).__benchFile = times
      const now = (): number => performance.now()
      document.addEventListener('click', () => { times.click ??= now() }, { capture: true, once: true })
      new MutationObserver((records) => {
        for (const r of records) {
          const el = r.target as HTMLElement
          if (el.dataset.cid !== cid) continue
          if (r.attributeName === 'data-state') {
            if (el.dataset.state === 'complete' && times.state.complete == null) void onDisk().then(bytes => { times.onDiskAtStored = bytes })
            times.state[el.dataset.state ?? ''] ??= now()
          }
          if (r.attributeName === 'data-save') times.save[el.dataset.save ?? ''] ??= now()
        }
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state', 'data-save'] })
    }, { cid, name })
    const sessions = options.profile === true ? await Promise.all([startProfile(a.page), startProfile(b.page)]) : undefined
    const cpuBefore = await sampleChromiumCpu()
    await download.click()
    await bRow.and(b.page.locator('[data-state="complete"], [data-state="failed"], [data-save="failed"]')).waitFor({ timeout: timeoutMs })
    const cpuStored = await sampleChromiumCpu()
    await bRow.and(b.page.locator('[data-save="saved"], [data-save="failed"], [data-state="failed"]')).waitFor({ timeout: timeoutMs })
    const cpuSaved = await sampleChromiumCpu()
    const profiles = sessions == null ? undefined : { a: await stopProfile(sessions[0]), b: await stopProfile(sessions[1]) }
    const times = await b.page.evaluate(() => (window as BenchWindow).__benchFile!)
    const counters = await bRow.evaluate((el) => {
      const d = (el as HTMLElement).dataset
      return {
        state: d.state ?? '',
        save: d.save ?? '',
        fetched: Number(d.fetched),
        totalBlocks: Number(d.totalBlocks),
        duplicates: Number(d.duplicates),
        sources: JSON.parse(d.sources ?? '{}') as Record<string, number>
      }
    })
    if (counters.state !== 'complete' || counters.save !== 'saved') {
      const error = await bRow.locator('.error').allTextContents()
      throw new Error(`B's download ended ${counters.state}/${counters.save}: ${error.join(' ')}`)
    }
    const click = times.click
    const stored = times.state.complete
    const saved = times.save.saved
    if (click == null || stored == null || saved == null) throw new Error(`missing timestamps in B: ${JSON.stringify(times)}`)

    // the saved copy is exact (outside the timing)
    const savedSha = await b.page.evaluate(async (fileName) => {
      const root = await navigator.storage.getDirectory()
      const file = await (await root.getFileHandle(fileName)).getFile()
      const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer())
      await root.removeEntry(fileName)
      return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('')
    }, name)
    if (savedSha !== sha256) throw new Error(`B saved ${name} with SHA-256 ${savedSha}, expected ${sha256}`)

    // informative: the other save path, the service worker's stream of the stored file, drained
    const href = await download.getAttribute('href')
    const serviceWorkerReadMs = href == null
      ? null
      : await b.page.evaluate(async ({ href, size }) => {
        if (navigator.serviceWorker.controller == null) return null
        const url = href.split('?')[0]!
        const t0 = performance.now()
        const response = await fetch(url, { cache: 'no-store' })
        if (!response.ok || response.body == null) throw new Error(`files route answered ${response.status}`)
        const reader = response.body.getReader()
        let n = 0
        while (true) {
          const { done, value } = await reader.read()
          if (done) break
          n += value.byteLength
        }
        if (n !== size) throw new Error(`files route gave ${n} of ${size} bytes`)
        return performance.now() - t0
      }, { href, size })

    // after a full garbage collection: what B still holds, not garbage not yet collected
    const cdp = await b.context.newCDPSession(b.page)
    await cdp.send('HeapProfiler.collectGarbage')
    await cdp.detach()
    const { heapB, storageB } = await b.page.evaluate(async () => ({
      heapB: (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null,
      storageB: (await navigator.storage.estimate()).usage ?? null
    }))

    return {
      name,
      cid,
      heapB,
      storageB,
      ...(profiles != null ? { profiles } : {}),
      size,
      shareMs,
      storedMs: stored - click,
      endToEndMs: saved - click,
      onDiskAtStored: times.onDiskAtStored === null ? size : times.onDiskAtStored ?? 0,
      serviceWorkerReadMs,
      cpuStoredSeconds: cpuDelta(cpuBefore, cpuStored).total,
      cpuEndToEndSeconds: cpuDelta(cpuBefore, cpuSaved).total,
      cpuEndToEndByType: cpuDelta(cpuBefore, cpuSaved).byType,
      sources: counters.sources,
      fetched: counters.fetched,
      totalBlocks: counters.totalBlocks,
      duplicates: counters.duplicates
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
