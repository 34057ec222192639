/**
 * Streamed video: A shares a seekable 30 s WebM (made in A's page by
 * e2e/support/video.ts), B opens its file link and presses "Play <name>";
 * timed in B's page from the click to the `<video>`'s `loadeddata` (its first
 * frame decoded), while the file is still downloading.
 */
import type { Page } from '@playwright/test'
import { appUrl } from '../e2e/support/app.ts'
import { makeClip } from '../e2e/support/video.ts'
import { waitDirect, type AppPage } from './support/browser.ts'

export interface PlayOptions {
  appBase: string
  relays: string[]
  runs: number
  timeoutMs: number
}

export interface PlayResult {
  /** Click on "Play <name>" → the video's first frame, per run, ms. */
  firstFrameMs: number[]
  clipBytes: number
  /** Fraction of the file's blocks B held when the first frame showed, per run. */
  heldAtFirstFrame: number[]
}

type PlayWindow = Window & { __benchPlay?: { click?: number, frame?: number, held?: number } }

async function shareAndLink (a: Page, path: string, name: string, timeoutMs: number, previous: Set<string>): Promise<string> {
  const chooser = a.waitForEvent('filechooser')
  chooser.catch(() => {})
  await a.getByRole('button', { name: 'Send files' }).click()
  await (await chooser).setFiles(path)
  // every share of the same bytes has a new key, so a new CID: the newest complete row not seen before
  const rows = a.locator(`.file-row[data-state="complete"]`).filter({ has: a.getByRole('link', { name: `Download ${name}`, exact: true }) })
  let cid = ''
  const deadline = Date.now() + timeoutMs
  while (cid === '') {
    for (const id of await rows.evaluateAll(els => els.map(el => (el as HTMLElement).dataset.cid ?? ''))) if (!previous.has(id)) cid = id
    if (Date.now() > deadline) throw new Error('A\'s share did not complete')
    if (cid === '') await a.waitForTimeout(100)
  }
  previous.add(cid)
  await a.locator(`.file-row[data-cid="${cid}"]`).getByRole('button', { name: 'Copy file link' }).click()
  return a.evaluate(async () => navigator.clipboard.readText())
}

export async function measurePlay (a: AppPage, b: AppPage, options: PlayOptions): Promise<PlayResult> {
  const name = 'bench-clip.webm'
  const clip = await makeClip(a.page, name, { seconds: 30, width: 320, height: 240, fps: 15, bitrate: 1_000_000 })
  const seen = new Set<string>()
  const firstFrameMs: number[] = []
  const heldAtFirstFrame: number[] = []
  for (let i = 0; i < options.runs; i++) {
    const link = await shareAndLink(a.page, clip.path, name, options.timeoutMs, seen)
    await b.page.goto(appUrl(options.relays, { base: options.appBase }) + new URL(link).hash)
    const play = b.page.getByRole('button', { name: `Play ${name}`, exact: true })
    await play.waitFor({ timeout: options.timeoutMs })
    await waitDirect(a, b.peerId)
    await b.page.evaluate(() => {
      const times: { click?: number, frame?: number, held?: number } = {}
      ;(window as PlayWindow).__benchPlay = times
      document.addEventListener('click', () => { times.click ??= performance.now() }, { capture: true, once: true })
      // the first frame decoded: `loadeddata` of the video element the click adds; how much of the file B held then
      document.addEventListener('loadeddata', (event) => {
        if (times.frame != null) return
        times.frame = performance.now()
        const row = (event.target as HTMLElement).closest<HTMLElement>('.file-row')
        times.held = Number(row?.dataset.blocks) / Number(row?.dataset.totalBlocks)
      }, { capture: true })
    })
    await play.click()
    await b.page.waitForFunction(() => (window as PlayWindow).__benchPlay?.frame != null, undefined, { timeout: options.timeoutMs })
    const times = await b.page.evaluate(() => (window as PlayWindow).__benchPlay!)
    firstFrameMs.push(Math.round((times.frame ?? 0) - (times.click ?? 0)))
    heldAtFirstFrame.push(Math.round((times.held ?? NaN) * 100) / 100)
  }
  return { firstFrameMs, clipBytes: clip.size, heldAtFirstFrame }
}
