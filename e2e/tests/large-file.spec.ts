import { open, rm } from 'node:fs/promises'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp } from '../support/app.js'
import { createRoom, member, setName } from '../support/chat.js'
import { counters, fileRow, joinRoom, MiB, saveToOpfs, shareFiles } from '../support/files.js'
import { chromiumProcesses } from '../support/processes.js'

/** 256 MiB by default; PEERLINK_LARGE_FILE_MIB=1024 for the 1 GiB (see README for what is known of it). */
const SIZE = Number(process.env.PEERLINK_LARGE_FILE_MIB ?? 256) * MiB
/**
 * What a page's renderer may hold at its peak with the 256 MiB file: 270–414 MiB in runs here (287 MiB with
 * 48 MiB, but 600 MiB with 512 MiB: the peak grows with the file, not yet explained). A page holding the whole
 * file would need about 250 MiB plus the file.
 */
const RENDERER_RSS_LIMIT = 480 * MiB
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

test('a large file downloads and saves (File System Access API) without the page holding it in memory', async ({ browser }) => {
  test.setTimeout(45 * 60_000)
  const timeout = 30 * 60_000
  const relay = await startRelay()
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-large-'))
  const name = 'large.bin'
  let sampling = true
  const peak: Record<string, number> = {}
  const sampler = (async () => {
    while (sampling) {
      for (const p of await chromiumProcesses()) peak[p.type] = Math.max(peak[p.type] ?? 0, p.rssBytes)
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  })()
  try {
    await writeTestFile(join(dir, name), SIZE)
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await joinRoom(browser, [relay.infoUrl], link, 'Bob', saveToOpfs)
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')

    await shareFiles(a, [join(dir, name)])
    await expect(fileRow(a, name)).toHaveAttribute('data-state', 'complete', { timeout })
    const row = fileRow(b, name)
    await row.getByRole('link', { name: `Download ${name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout })
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
    await relay.stop()
    await rm(dir, { recursive: true, force: true })
    console.log('peak resident memory by Chromium process type (MiB):', Object.fromEntries(Object.entries(peak).map(([k, v]) => [k, Math.round(v / MiB)])))
  }
  // the pages stay small. (Chromium's browser process is not bounded here: Playwright's contexts are off the record,
  // so their IndexedDB lives in the browser process's memory — about 1.1 GiB at its peak for 256 MiB shared and
  // downloaded — where a normal profile keeps it on disk.)
  expect(peak.renderer, 'peak RSS of the renderers').toBeLessThan(RENDERER_RSS_LIMIT)
})
