/**
 * Joining a room: how long a newcomer waits, from opening a room link, until
 * he is in the room and can chat. `--only join` on loopback (one relay, the
 * bench's app server, one Chromium); `--only join-lab` in the network lab's
 * cone ↔ cone pair (e2e/lab: Ann's Chromium in one home behind a cone NAT,
 * Bob's in another, the app over https, two relays over wss, coturn).
 *
 * Ann opens the app, waits for her relay reservations and creates a room; she
 * stays for every trial. Each trial, Bob opens the room's link in a fresh
 * browser context (a fresh identity) of a Chromium that is already running,
 * and four moments are timed from the start of his navigation (his document's
 * `performance.timeOrigin`):
 *
 * - page ready: his page's identity is loaded (its main area carries his PeerId);
 * - online: Ann's Members list shows him `data-state="online"`;
 * - first message: Bob's message log shows the message Ann sent as soon as she
 *   saw him online;
 * - direct: Bob's Members list shows his link to Ann as `data-link="direct"`
 *   (the app sets direct, turn or relayed).
 *
 * Each moment is stamped in the page where it shows, by a MutationObserver
 * (the first DOM change that shows it), not by polling from Node: Playwright's
 * locators poll at up to 500 ms. Ann's and Bob's pages read the same clock.
 *
 * The aim: the first message within 3 s at the median in the lab.
 */
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { APP_PERMISSIONS } from '../e2e/support/app.ts'
import { createRoom, messages, send, setName } from '../e2e/support/chat.ts'
import { labContext, launchIn, selectedPaths } from '../e2e/lab/browsers.ts'
import { startLab } from '../e2e/lab/lab.ts'
import { appPathSummary, HOMES, LAB_PAIRS } from './lab.ts'
import { e2e, openApp, waitReserved, type AppPage } from './support/browser.ts'
import { percentile, round, type Row } from './support/stats.ts'

/** The aim for the first message in the lab: p50 under this. */
export const FIRST_MESSAGE_AIM_MS = 3000

/** The lab pair `--only join-lab` measures. */
const LAB_PAIR = LAB_PAIRS['cone-cone']!

export interface JoinTrial {
  trial: number
  /** Bob's PeerId (a fresh one each trial). */
  bob?: string
  /** ms after Bob's navigation started. */
  readyMs?: number
  onlineMs?: number
  /** When the bench told Ann's page to send (after her page reported Bob online). */
  sentMs?: number
  messageMs?: number
  directMs?: number
  /** Each value the `data-link` of Bob's member item for Ann took, when it first showed (`none` until they are connected). */
  links: Array<{ link: string, ms: number }>
  /** Lab: the selected ICE candidate pair of each of Bob's WebRTC connections to Ann once the link is direct (`srflx ↔ srflx`). */
  path?: string
  error?: string
}

export interface Spread {
  p50: number
  p95: number
  min: number
  max: number
  /** Trials that reached this moment. */
  n: number
}

const MOMENTS = ['readyMs', 'onlineMs', 'messageMs', 'directMs'] as const
type Moment = typeof MOMENTS[number]

export interface JoinResult {
  /** `loopback` or the lab pair's name. */
  where: string
  trials: JoinTrial[]
  summary: Record<Moment, Spread | null>
  /** 1/5/15-minute load averages before the first trial and after the last. */
  load: { start: number[], end: number[] }
  rows: Row[]
  /** The lab only: whether the first message's p50 is under the aim. */
  aimMet?: boolean
  /** One line: the first message's p50 and, in the lab, the aim met or NOT MET. */
  verdict: string
  failed: boolean
}

export interface JoinOptions {
  trials: number
  /** For each wait of a trial (page ready, online, message, direct). */
  timeoutMs: number
  log: (line: string) => void
  /** Registers what stops something this section started (called on Ctrl-C too). */
  onCleanUp: (cleanup: () => Promise<unknown>) => void
}

interface Stamps {
  /** performance.now() in Bob's page when each moment first showed. */
  times: { ready?: number, message?: number, direct?: number }
  links: Array<{ link: string, ms: number }>
  done: Promise<void>
}
type JoinWindow = Window & { __benchJoin?: Stamps, __benchJoinOnline?: Promise<{ peerId: string, at: number }> }

/** Stamps, in Bob's page from its first script on, when his PeerId (identity loaded), Ann's message and a direct link to Ann show. */
async function stampBob (context: BrowserContext, annId: string, text: string): Promise<void> {
  await context.addInitScript(({ annId, text }) => {
    if (location.protocol === 'about:') return
    const times: Stamps['times'] = {}
    const links: Stamps['links'] = []
    let resolve = (): void => {}
    const done = new Promise<void>(r => { resolve = r })
    ;(window as JoinWindow).__benchJoin = { times, links, done }
    const check = (): void => {
      const now = performance.now()
      if (times.ready == null && /^12D3KooW\w+$/.test(document.querySelector('main[data-peer-id]')?.getAttribute('data-peer-id') ?? '')) times.ready = now
      if (times.message == null) {
        for (const m of document.querySelectorAll('[role="log"][aria-label="Messages"] [data-message-id]')) {
          if (m.textContent?.includes(text) === true) times.message = now
        }
      }
      const link = document.querySelector(`ul[aria-label="Members"] li[data-peer-id="${annId}"]`)?.getAttribute('data-link')
      if (link != null && links.at(-1)?.link !== link) links.push({ link, ms: now })
      if (times.direct == null && link === 'direct') times.direct = now
      if (times.ready != null && times.message != null && times.direct != null) {
        observer.disconnect()
        resolve()
      }
    }
    const observer = new MutationObserver(check)
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true })
  }, { annId, text })
}

/** Stamps (Date.now()) in Ann's page when her Members list first shows someone online who is not in `known`. */
async function stampOnline (page: Page, known: string[]): Promise<void> {
  await page.evaluate((known) => {
    (window as JoinWindow).__benchJoinOnline = new Promise((resolve) => {
      const check = (): boolean => {
        for (const item of document.querySelectorAll('ul[aria-label="Members"] li[data-state="online"]')) {
          const peerId = item.getAttribute('data-peer-id')
          if (peerId != null && !known.includes(peerId)) {
            resolve({ peerId, at: Date.now() })
            return true
          }
        }
        return false
      }
      if (check()) return
      const observer = new MutationObserver(() => { if (check()) observer.disconnect() })
      observer.observe(document.body, { subtree: true, childList: true, attributes: true })
    })
  }, known)
}

class JoinTimeoutError extends Error {
  override name = 'JoinTimeoutError'
}

/** `promise`, or a JoinTimeoutError naming what did not happen within `ms`. */
async function within<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new JoinTimeoutError(`${what} not within ${ms / 1000} s`)) }, ms)
    })])
  } finally {
    clearTimeout(timer)
  }
}

function brief (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n').find(l => l.trim() !== '') ?? 'unknown error'
}

interface Room {
  ann: AppPage
  /** The room's link fragment (`#/r/<id>/<key>`). */
  link: string
  /** Bob's running browser, a fresh context of it, the app's origin and relays. */
  bobBrowser: Browser
  newContext: () => Promise<BrowserContext>
  base: string
  relays: string[]
  /** After the link is direct: Bob's candidate pair, in words. */
  describePath?: (page: Page) => Promise<string>
}

async function oneTrial (room: Room, trial: number, known: string[], timeoutMs: number): Promise<JoinTrial> {
  const result: JoinTrial = { trial, links: [] }
  const text = `hello ${trial} ${randomBytes(4).toString('hex')}`
  await stampOnline(room.ann.page, known)
  const context = await room.newContext()
  try {
    const bob = await openApp(room.bobBrowser, room.base, `Bob ${trial}`, {
      relays: room.relays, fragment: room.link, context, setup: async (c) => stampBob(c, room.ann.peerId, text)
    })
    result.bob = bob.peerId
    known.push(bob.peerId)
    const origin = await bob.page.evaluate(() => performance.timeOrigin)
    const read = async (): Promise<void> => {
      const stamps = await bob.page.evaluate(() => {
        const s = (window as JoinWindow).__benchJoin
        return s == null ? undefined : { times: s.times, links: s.links }
      })
      if (stamps == null) throw new Error('Bob\'s page has no stamps (the init script did not run)')
      const tenth = (v: number | undefined): number | undefined => v == null ? undefined : round(v, 1)
      result.readyMs = tenth(stamps.times.ready)
      result.messageMs = tenth(stamps.times.message)
      result.directMs = tenth(stamps.times.direct)
      result.links = stamps.links.map(l => ({ link: l.link, ms: round(l.ms, 1) }))
    }
    try {
      const online = await within(room.ann.page.evaluate(async () => (window as JoinWindow).__benchJoinOnline), timeoutMs, 'Ann seeing Bob online')
      if (online == null || online.peerId !== bob.peerId) throw new Error(`Ann saw ${online?.peerId ?? 'nobody'} online, not Bob (${bob.peerId})`)
      result.onlineMs = round(online.at - origin, 1)
      result.sentMs = round(Date.now() - origin, 1)
      await send(e2e(room.ann), text)
      await within(bob.page.evaluate(async () => (window as JoinWindow).__benchJoin?.done), timeoutMs, 'Ann\'s message and a direct link to her on Bob\'s page')
    } catch (err) {
      // what had shown by then, for the JSON
      await read().catch(() => {})
      throw err
    }
    await read()
    if (result.readyMs == null || result.messageMs == null || result.directMs == null) throw new Error('Bob\'s page did not stamp every moment')
    // what was stamped is what the e2e tests see
    if (await messages(e2e(bob)).filter({ hasText: text }).count() !== 1) throw new Error('Bob\'s log does not show Ann\'s message once')
    if (room.describePath != null) result.path = await room.describePath(bob.page)
  } catch (err) {
    result.error = brief(err)
  } finally {
    await context.close().catch(() => {})
  }
  return result
}

function spread (values: number[]): Spread | null {
  if (values.length === 0) return null
  return { p50: round(percentile(values, 50), 1), p95: round(percentile(values, 95), 1), min: Math.min(...values), max: Math.max(...values), n: values.length }
}

async function runTrials (room: Room, where: string, options: JoinOptions): Promise<JoinResult> {
  const { trials, timeoutMs, log } = options
  const load = { start: loadavg(), end: [] as number[] }
  const known = [room.ann.peerId]
  const done: JoinTrial[] = []
  for (let i = 1; i <= trials; i++) {
    const t = await oneTrial(room, i, known, timeoutMs)
    done.push(t)
    const ms = (v: number | undefined): string => v == null ? '—' : `${Math.round(v)} ms`
    const via = t.links.filter(l => l.link !== 'none').map(l => `${l.link} ${Math.round(l.ms)}`).join(' → ')
    log(`join ${where} ${i}/${trials}: ready ${ms(t.readyMs)}, Ann sees Bob online ${ms(t.onlineMs)}, first message ${ms(t.messageMs)} (sent at ${ms(t.sentMs)}), ` +
      `direct ${ms(t.directMs)}${via !== '' ? ` (link ${via} ms)` : ''}${t.path != null ? ` over ${t.path}` : ''}${t.error != null ? `; failed: ${t.error}` : ''}`)
  }
  load.end = loadavg()
  return summarize(where, done, load)
}

function summarize (where: string, trials: JoinTrial[], load: JoinResult['load']): JoinResult {
  const ok = trials.filter(t => t.error == null)
  const summary = Object.fromEntries(MOMENTS.map(m => [m, spread(ok.map(t => t[m]).filter((v): v is number => v != null))])) as Record<Moment, Spread | null>
  const failedTrials = trials.filter(t => t.error != null)
  const failures = failedTrials.length === 0 ? '' : `; ${failedTrials.length} of ${trials.length} trials failed (${[...new Set(failedTrials.map(t => t.error))].join('; ')})`
  const lab = where !== 'loopback'
  const first = summary.messageMs
  const aimMet = lab && first != null ? first.p50 < FIRST_MESSAGE_AIM_MS : undefined
  const aim = lab ? `; aim p50 < ${FIRST_MESSAGE_AIM_MS / 1000} s: ${aimMet === true ? 'met' : 'NOT MET'}` : ''
  const paths = [...new Set(ok.map(t => t.path).filter(p => p != null))]
  const relayedFirst = ok.filter(t => t.links.some(l => l.link === 'relayed' || l.link === 'turn')).length
  const notes: Record<Moment, string> = {
    readyMs: 'Bob\'s navigation → identity loaded (his PeerId on the page; fresh context, browser running)',
    onlineMs: 'Bob\'s navigation → Ann\'s Members list: Bob data-state="online"',
    messageMs: `Bob's navigation → Ann's message (sent once she saw him) in Bob's log${aim}`,
    directMs: `Bob's navigation → his member item for Ann data-link="direct"${paths.length > 0 ? ` over ${paths.join(' / ')}` : ''}; relayed first in ${relayedFirst} of ${ok.length}`
  }
  const labels: Record<Moment, string> = {
    readyMs: 'page ready',
    onlineMs: 'Ann sees Bob online',
    messageMs: 'Bob reads Ann\'s first message',
    directMs: 'Bob\'s link to Ann direct'
  }
  const rows: Row[] = MOMENTS.map((m, i) => {
    const s = summary[m]
    const measurement = i === 0 ? `join ${where}: ${labels[m]}` : `  → ${labels[m]}`
    if (s == null) return { measurement, runs: [], median: null, unit: 'ms', note: `no figure${failures}` }
    return {
      measurement,
      runs: ok.map(t => t[m]).filter((v): v is number => v != null),
      median: s.p50,
      p95: s.p95,
      min: s.min,
      max: s.max,
      unit: 'ms',
      note: `${notes[m]}${i === 0 ? failures : ''}`
    }
  })
  const verdict = first == null
    ? `join ${where}: no first message in ${trials.length} trials${failures}${lab ? `; aim p50 < ${FIRST_MESSAGE_AIM_MS / 1000} s: NOT MET` : ''}`
    : `join ${where}: first message p50 ${round(first.p50 / 1000, 2)} s, p95 ${round(first.p95 / 1000, 2)} s over ${first.n} trial${first.n === 1 ? '' : 's'}` +
      (lab ? `; aim p50 < ${FIRST_MESSAGE_AIM_MS / 1000} s: ${aimMet === true ? 'met' : 'NOT MET'}` : ` (the aim of p50 < ${FIRST_MESSAGE_AIM_MS / 1000} s is for the lab)`) + failures
  return {
    where,
    trials,
    summary,
    load,
    rows,
    ...(aimMet != null ? { aimMet } : {}),
    verdict,
    failed: failedTrials.length > 0
  }
}

/** Ann opens the app, has a name and her reservations, and creates a room. */
async function openAnn (browser: Browser, base: string, relays: string[], relayPeerIds: string[], context?: BrowserContext): Promise<{ ann: AppPage, link: string }> {
  const ann = await openApp(browser, base, 'Ann', { relays, ...(context != null ? { context } : {}) })
  await setName(e2e(ann), 'Ann')
  for (const id of relayPeerIds) await waitReserved(ann, id)
  return { ann, link: await createRoom(e2e(ann)) }
}

/** `--only join`: Ann and each Bob in one running Chromium on loopback, one relay, the app from `appBase`. */
export async function measureJoin (browser: Browser, options: JoinOptions & { appBase: string, relays: string[], relayPeerId: string }): Promise<JoinResult> {
  const { ann, link } = await openAnn(browser, options.appBase, options.relays, [options.relayPeerId])
  try {
    options.log(`join loopback: Ann ${ann.peerId} in room ${link.split('/')[2] ?? ''}; ${options.trials} trials`)
    return await runTrials({
      ann,
      link,
      bobBrowser: browser,
      newContext: async () => browser.newContext({ permissions: APP_PERMISSIONS }),
      base: options.appBase,
      relays: options.relays
    }, 'loopback', options)
  } finally {
    await ann.context.close().catch(() => {})
  }
}

/** `--only join-lab`: Ann's Chromium in one cone-NAT home of the network lab, Bob's in another. Builds the lab and takes it down. */
export async function measureJoinLab (options: JoinOptions): Promise<JoinResult & { origin: string, browserVersion: string }> {
  const hosts = new Set([LAB_PAIR.a, LAB_PAIR.b])
  const homes = HOMES.filter(h => h.hosts.some(x => hosts.has(x)))
  options.log(`join-lab: building ${homes.map(h => `${h.name} (${h.nat})`).join(', ')}, two relays (wss), coturn, the app over https`)
  const lab = await startLab(homes)
  options.onCleanUp(async () => lab.down())
  const browsers: Browser[] = []
  try {
    const launch = async (host: string): Promise<Browser> => {
      const browser = await launchIn(lab.net.host(host), lab.spki)
      browsers.push(browser)
      options.onCleanUp(async () => browser.close())
      return browser
    }
    const annBrowser = await launch(LAB_PAIR.a)
    const bobBrowser = await launch(LAB_PAIR.b)
    const relays = lab.relays.map(r => r.infoUrl)
    const relayAddresses = lab.relays.map(r => r.address)
    const { ann, link } = await openAnn(annBrowser, lab.origin, relays, lab.relays.map(r => r.peerId), await labContext(annBrowser, lab.origin))
    options.log(`join-lab ${LAB_PAIR.name}: Ann in ${LAB_PAIR.a}, each Bob in ${LAB_PAIR.b}; ${options.trials} trials`)
    const result = await runTrials({
      ann,
      link,
      bobBrowser,
      newContext: async () => labContext(bobBrowser, lab.origin),
      base: lab.origin,
      relays,
      // every WebRTC connection of Bob's page to Ann (two browsers may hold more than one)
      describePath: async (page) => [...new Set((await selectedPaths(page, relayAddresses)).map(p => appPathSummary([p]).words))].join(' + ') || 'no connected pair'
    }, `lab ${LAB_PAIR.name}`, options)
    return { ...result, origin: lab.origin, browserVersion: annBrowser.version() }
  } finally {
    for (const browser of browsers) await browser.close().catch(() => {})
    await lab.down()
  }
}
