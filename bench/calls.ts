/**
 * Calls (issue 5), through the app's UI: N members of one room (fresh browser
 * contexts, Chromium's fake camera and microphone), the first presses
 * "Start call", the others press "Join call" one after another.
 *
 * - Join → first decoded remote frame: in the joining page, from the click on
 *   "Join call" (capture phase) to the first `inbound-rtp` video report with
 *   framesDecoded > 0 on any of the page's RTCPeerConnections (tracked by an
 *   init script, polled every 20 ms); also to frames from every member already
 *   in the call.
 * - CPU per participant: once everyone decodes everyone, the CPU time of all
 *   of this run's Chromium processes (/proc) over a window, divided by the
 *   number of participants; with the decoded frame rate per remote stream, to
 *   show whether the machine kept up.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { cpuDelta, sampleChromiumCpu } from './support/cpu.ts'
import { callPanel } from '../e2e/support/calls.ts'
import { setName } from '../e2e/support/chat.ts'
import { openApp, type AppPage } from './support/browser.ts'

export interface JoinResult {
  /** 2 for the first joiner (one member already in the call), … */
  participants: number
  firstFrameMs: number
  /** Until frames were decoded from every member already in the call. */
  allFramesMs: number
  /** The app's own hook (tile data-first-frame-at minus panel data-joined-at; stats every 500 ms), for comparison. */
  appReportedMs: number | null
}

export interface CallResult {
  participants: number
  joins: JoinResult[]
  /** Why the call did not reach every participant (no CPU figure then). */
  error?: string
  cpu?: {
    windowMs: number
    /** All Chromium processes, in cores (1 = one core busy) per participant. */
    coresPerParticipant: number
    coresTotal: number
    byType: Record<string, number>
  }
  /** Decoded video frames per second per remote stream, per participant (median over its streams). */
  fpsPerStream?: number[]
}

interface Tracking {
  pcs: RTCPeerConnection[]
  /** How many remote video streams have decoded frames, over the open tracked connections. */
  decoding: () => Promise<number>
  click?: number
  first?: number
  all?: number
}

type BenchWindow = Window & { __benchCall?: Tracking }

/** Keeps every RTCPeerConnection the page makes (the app's call connections among them) for getStats. */
async function trackPeerConnections (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as BenchWindow
    const tracking: Tracking = {
      pcs: [],
      decoding: async () => {
        const counts = await Promise.all(tracking.pcs.filter(pc => pc.connectionState !== 'closed').map(async pc => {
          let n = 0
          const report = await pc.getStats().catch(() => undefined)
          report?.forEach((s: { type: string, kind?: string, framesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video' && (s.framesDecoded ?? 0) > 0) n++
          })
          return n
        }))
        return counts.reduce((a, b) => a + b, 0)
      }
    }
    w.__benchCall = tracking
    const Original = window.RTCPeerConnection
    class Tracked extends Original {
      constructor (config?: RTCConfiguration) {
        super(config)
        tracking.pcs.push(this)
      }
    }
    window.RTCPeerConnection = Tracked
  })
}

/** Whether a room page has the call UI ("Start call" in the "Call" region). */
export async function callUiReady (page: Page): Promise<boolean> {
  return (await callPanel({ page }).getByRole('button', { name: 'Start call' }).count()) > 0
}

/** What a page's call looks like (for errors): tiles and tracked connections. */
async function describe (page: Page): Promise<string> {
  const tiles = await callPanel({ page }).locator('figure').evaluateAll(els => els.map(e => {
    const d = (e as HTMLElement).dataset
    return `${e.getAttribute('aria-label') ?? '?'}: connection ${d.connection ?? '?'}, link ${d.link ?? '?'}, frames ${d.framesDecoded ?? '?'}`
  }))
  const pcs = await page.evaluate(() => {
    const t = (window as BenchWindow).__benchCall
    return { click: t?.click, first: t?.first, pcs: (t?.pcs ?? []).map(pc => `${pc.connectionState}/${pc.getTransceivers().length} transceivers`) }
  })
  const errors = await callPanel({ page }).getByRole('alert').allTextContents()
  return JSON.stringify({ tiles, ...pcs, errors })
}

/** Frames decoded so far per remote video stream (keyed by connection and stream id), from the tracked connections. */
async function framesPerStream (page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const counts: Record<string, number> = {}
    const pcs = (window as BenchWindow).__benchCall!.pcs
    for (const [i, pc] of pcs.entries()) {
      if (pc.connectionState === 'closed') continue
      const report = await pc.getStats().catch(() => undefined)
      report?.forEach((s: { id: string, type: string, kind?: string, framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') counts[`${i}/${s.id}`] = s.framesDecoded ?? 0
      })
    }
    return counts
  })
}

async function decoding (page: Page): Promise<number> {
  return page.evaluate(async () => (window as BenchWindow).__benchCall!.decoding())
}

/**
 * `app` presses "Join call" while `already` members are in the call: times
 * from the click to the first decoded remote frame and to frames from all of them.
 */
async function measureJoin (app: AppPage, already: number, timeoutMs: number): Promise<JoinResult> {
  const join = callPanel(app).getByRole('button', { name: 'Join call' })
  await join.waitFor({ timeout: timeoutMs })
  await app.page.evaluate((expected) => {
    const t = (window as BenchWindow).__benchCall!
    delete t.click
    delete t.first
    delete t.all
    document.addEventListener('click', () => {
      t.click = performance.now()
      const poll = async (): Promise<void> => {
        const n = await t.decoding()
        const now = performance.now()
        if (n > 0) t.first ??= now
        if (n >= expected) t.all ??= now
        if (t.all == null) setTimeout(() => { void poll() }, 20)
      }
      void poll()
    }, { capture: true, once: true })
  }, already)
  await join.click()
  try {
    await app.page.waitForFunction(() => (window as BenchWindow).__benchCall!.all != null, null, { timeout: timeoutMs, polling: 100 })
  } catch (err) {
    throw new Error(`${app.name} joined a call of ${already} but decoded video from ${await decoding(app.page)} of them within ${timeoutMs / 1000} s: ${await describe(app.page)}`, { cause: err })
  }
  const t = await app.page.evaluate(() => {
    const { click, first, all } = (window as BenchWindow).__benchCall!
    return { click: click!, first: first!, all: all! }
  })
  const joinedAt = Number(await callPanel(app).getAttribute('data-joined-at'))
  const firstFrames = await callPanel(app).locator('figure[data-first-frame-at]').evaluateAll(
    els => els.map(e => Number((e as HTMLElement).dataset.firstFrameAt)).filter(n => n > 0))
  const appReportedMs = joinedAt > 0 && firstFrames.length > 0 ? Math.min(...firstFrames) - joinedAt : null
  return { participants: already + 1, firstFrameMs: t.first - t.click, allFramesMs: t.all - t.click, appReportedMs }
}

/** Waits until every page in the call decodes video from every other. */
async function meshComplete (apps: AppPage[], timeoutMs: number): Promise<void> {
  for (const app of apps) {
    try {
      await app.page.waitForFunction(async (n) => await (window as BenchWindow).__benchCall!.decoding() >= n, apps.length - 1, { timeout: timeoutMs, polling: 250 })
    } catch (err) {
      throw new Error(`in a call of ${apps.length}, ${app.name} decoded video from ${await decoding(app.page)} of the ${apps.length - 1} others within ${timeoutMs / 1000} s: ${await describe(app.page)}`, { cause: err })
    }
  }
}

export interface CallOptions {
  participants: number
  appBase: string
  relays: string[]
  cpuWindowMs: number
  timeoutMs: number
  log: (line: string) => void
}

/** Opens the room with one page and reports whether the call UI is there, before the expensive part. */
export async function measureCall (browser: Browser, options: CallOptions): Promise<CallResult | { skipped: string }> {
  const { participants, appBase, relays, timeoutMs, log } = options
  const apps: AppPage[] = []
  try {
    const first = await openApp(browser, appBase, 'P1', { relays, setup: trackPeerConnections })
    apps.push(first)
    await setName(first, 'P1')
    await first.page.getByRole('button', { name: 'New room' }).click()
    await first.page.waitForURL(/#\/r\/[\w-]+\/[\w-]+$/)
    const fragment = new URL(first.page.url()).hash
    await callPanel(first).waitFor({ timeout: 10_000 }).catch(() => {})
    if (!await callUiReady(first.page)) return { skipped: 'the room page has no "Call" region with "Start call" (call UI not built into apps/web/dist)' }

    for (let i = 2; i <= participants; i++) {
      const app = await openApp(browser, appBase, `P${i}`, { relays, fragment, setup: trackPeerConnections })
      await setName(app, `P${i}`)
      apps.push(app)
    }
    for (const app of apps) {
      for (const other of apps) {
        if (other === app) continue
        await app.page.getByRole('list', { name: 'Members' }).locator(`[data-peer-id="${other.peerId}"][data-state="online"]`).waitFor({ timeout: timeoutMs })
      }
    }
    log(`${participants} members online in one room`)

    await callPanel(first).getByRole('button', { name: 'Start call' }).click()
    await callPanel(first).getByRole('button', { name: 'Leave call' }).waitFor({ timeout: timeoutMs })

    const joins: JoinResult[] = []
    let inCall = 1
    try {
      for (let i = 1; i < apps.length; i++) {
        joins.push(await measureJoin(apps[i]!, i, timeoutMs))
        const j = joins.at(-1)!
        log(`P${i + 1} joined a call of ${i}: first remote frame ${Math.round(j.firstFrameMs)} ms, frames from all ${Math.round(j.allFramesMs)} ms (app's hook: ${j.appReportedMs ?? '—'} ms)`)
        inCall = i + 1
        // the call is whole again (everyone in it decodes everyone) before the next member joins
        await meshComplete(apps.slice(0, inCall), timeoutMs)
      }
    } catch (err) {
      return { participants, joins, error: err instanceof Error ? err.message : String(err) }
    }

    await new Promise(resolve => setTimeout(resolve, 5000)) // past ramp-up: bitrate and resolution settle
    const framesBefore = await Promise.all(apps.map(async app => framesPerStream(app.page)))
    const cpuBefore = await sampleChromiumCpu()
    const t0 = Date.now()
    await new Promise(resolve => setTimeout(resolve, options.cpuWindowMs))
    const cpuAfter = await sampleChromiumCpu()
    const windowMs = Date.now() - t0
    const framesAfter = await Promise.all(apps.map(async app => framesPerStream(app.page)))
    const cpu = cpuDelta(cpuBefore, cpuAfter)
    const coresTotal = cpu.total / (windowMs / 1000)
    // per participant: the median decoded frame rate over its remote streams seen in both samples
    const fpsPerStream = framesAfter.map((after, i) => {
      const before = framesBefore[i] ?? {}
      const fps = Object.entries(after).filter(([key]) => key in before)
        .map(([key, n]) => (n - before[key]!) / (windowMs / 1000)).sort((x, y) => x - y)
      return fps.length === 0 ? 0 : Math.round(fps[Math.floor(fps.length / 2)]! * 10) / 10
    })
    return {
      participants,
      joins,
      cpu: { windowMs, coresTotal: Math.round(coresTotal * 1000) / 1000, coresPerParticipant: Math.round(coresTotal / participants * 1000) / 1000, byType: cpu.byType },
      fpsPerStream
    }
  } finally {
    await Promise.all(apps.map(async app => app.context.close()))
  }
}
