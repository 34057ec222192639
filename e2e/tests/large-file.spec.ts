import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { APP_PERMISSIONS, openApp } from '../support/app.js'
import { createRoom, member, setName } from '../support/chat.js'
import { counters, fileRow, joinRoom, MiB, saveToOpfs, shareFiles } from '../support/files.js'
import { chromiumProcesses } from '../support/processes.js'
import type { BrowserContext } from '@playwright/test'

/** The 1 GiB by default; PEERLINK_LARGE_FILE_MIB picks another size (a multiple of 16). */
const SIZE = Number(process.env.PEERLINK_LARGE_FILE_MIB ?? 1024) * MiB
/**
 * What any one process of either browser may hold at its peak while the app shares, downloads and saves: renderer,
 * browser (IndexedDB's host), storage, network. With profiles on disk every process stayed flat here whatever the
 * file's size: renderers 200–330 MiB, browser processes about 230 MiB (256 MiB and 1 GiB files). A process holding
 * the file would need the file plus its own 100–200 MiB.
 */
const PROCESS_RSS_LIMIT = 512 * MiB
const SEED = 0x5eed1234

/**
 * Byte `offset` of the test file: cheap to make in Node and to check in the page, so neither side holds
 * the file (little-endian 32-bit words, word i = imul(i, 2654435761) ^ SEED).
 */
async function writeTestFile (path: string, size: number): Promise<void> {
  const file = await open(path, 'w')
  try {
    const piece = 16 * MiB
    for (let start = 0; start < size; start += piece) {
      const words = new Uint32Array(Math.min(piece, size - start) / 4)
      const first = start / 4
      for (let i = 0; i < words.length; i++) words[i] = Math.imul(first + i, 2654435761) ^ SEED
      await file.write(new Uint8Array(words.buffer))
    }
  } finally {
    await file.close()
  }
}

interface Peak { browser: string, type: string, phase: Phase, rssBytes: number }

/** What the app does meanwhile; `check` is the test reading the saved file back, not the app. */
type Phase = 'setup' | 'share' | 'download' | 'save' | 'check'

// Each side is its own Chromium with a profile on disk, as a user's is: Playwright's usual contexts are off the
// record, and keep IndexedDB in the browser process's memory (1.1 GiB at its peak for 256 MiB shared and
// downloaded), which no user's browser does.
test('a 1 GiB file downloads and saves (File System Access API) with no process of either browser holding it in memory', async ({ playwright, launchOptions, baseURL }) => {
  test.setTimeout(60 * 60_000)
  const timeout = 40 * 60_000
  const relay = await startRelay()
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-large-'))
  const name = 'large.bin'
  const contexts: BrowserContext[] = []
  /** Browser process pid → which side it runs. */
  const sides = new Map<number, string>()
  const browserPids = async (): Promise<Set<number>> => new Set((await chromiumProcesses()).map(p => p.browserPid))
  /** Starts a side's own Chromium, and tells its processes by their browser process (the one new since). */
  const launch = async (profile: string, side: string): Promise<BrowserContext> => {
    const known = await browserPids()
    const context = await playwright.chromium.launchPersistentContext(join(dir, profile), { ...launchOptions, baseURL, permissions: APP_PERMISSIONS })
    contexts.push(context)
    for (const pid of await browserPids()) if (!known.has(pid)) sides.set(pid, side)
    return context
  }
  /** Peaks by process and phase. */
  const peaks = new Map<string, Peak>()
  let phase: Phase = 'setup'
  const started = new Map<Phase, number>([['setup', Date.now()]])
  const enter = (next: Phase): void => {
    phase = next
    started.set(next, Date.now())
  }
  let ended = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      for (const p of await chromiumProcesses()) {
        const side = sides.get(p.browserPid)
        const key = `${p.pid} ${phase}`
        if (side == null || p.rssBytes <= (peaks.get(key)?.rssBytes ?? 0)) continue
        peaks.set(key, { browser: side, type: p.type, phase, rssBytes: p.rssBytes })
      }
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  })()
  try {
    await writeTestFile(join(dir, name), SIZE)
    const a = await openApp(await launch('profile-a', 'sharer'), [relay.infoUrl], 'Ann')
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await joinRoom(await launch('profile-b', 'downloader'), [relay.infoUrl], link, 'Bob', saveToOpfs)
    expect([...sides.values()].sort()).toEqual(['downloader', 'sharer'])
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')

    enter('share')
    await shareFiles(a, [join(dir, name)])
    await expect(fileRow(a, name)).toHaveAttribute('data-state', 'complete', { timeout })
    enter('download')
    const row = fileRow(b, name)
    await row.getByRole('link', { name: `Download ${name}` }).click()
    await expect(row).toHaveAttribute('data-state', 'complete', { timeout })
    enter('save')
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout })
    enter('check')
    const done = await counters(row)
    expect(done).toMatchObject({ state: 'complete', duplicates: 0, rejected: {} })
    expect(done.fetched).toBe(done.totalBlocks)

    // the saved file, checked byte by byte as a stream (reading it whole would itself hold it in memory)
    const check = await b.page.evaluate(async ({ fileName, seed }) => {
      const root = await navigator.storage.getDirectory()
      const file = await (await root.getFileHandle(fileName)).getFile()
      const reader = file.stream().getReader()
      let offset = 0
      let mismatches = 0
      let firstMismatch = -1
      while (true) {
        const { done, value } = await reader.read()
        if (done) break
        for (let j = 0; j < value.length; j++, offset++) {
          const expected = ((Math.imul(offset >>> 2, 2654435761) ^ seed) >>> ((offset & 3) * 8)) & 0xff
          if (value[j] !== expected) {
            mismatches++
            if (firstMismatch < 0) firstMismatch = offset
          }
        }
      }
      return { size: file.size, read: offset, mismatches, firstMismatch }
    }, { fileName: name, seed: SEED })
    expect(check).toEqual({ size: SIZE, read: SIZE, mismatches: 0, firstMismatch: -1 })
  } finally {
    sampling = false
    await sampler
    ended = Date.now()
    for (const context of contexts) await context.close().catch(() => {})
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
  }
  const times = [...started].map(([p, at], i, all) => `${p} ${Math.round(((all[i + 1]?.[1] ?? ended) - at) / 1000)} s`)
  console.log(`${SIZE / MiB} MiB file: ${times.join(', ')}`)
  // the app's phases: what the test itself does afterwards (reading 1 GiB back in a loop) is only logged
  const largest: Record<string, number> = {}
  const ofCheck: Record<string, number> = {}
  for (const { browser, type, phase, rssBytes } of peaks.values()) {
    const into = phase === 'check' ? ofCheck : largest
    const key = `${browser} ${type}`
    into[key] = Math.max(into[key] ?? 0, Math.round(rssBytes / MiB))
  }
  console.log('peak resident memory (MiB) by browser and process type, sharing to saving:', largest)
  console.log('… and while the test read the saved file back:', ofCheck)
  for (const [key, mib] of Object.entries(largest)) expect(mib, `peak RSS of the ${key} process (MiB)`).toBeLessThan(PROCESS_RSS_LIMIT / MiB)
  expect(Object.keys(largest)).toEqual(expect.arrayContaining(['sharer renderer', 'downloader renderer', 'sharer browser', 'downloader browser']))
})
