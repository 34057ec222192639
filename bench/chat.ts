/**
 * Chat latency at many peers (`--only chat`): `pages` members of one room,
 * split over two relays bootstrapped to each other (even pages on the first,
 * odd on the second, each page told of its own relay only), send messages at
 * `rate` per second in total for `seconds`, through the app's composer. The
 * window starts once every page sees every other online and, for up to
 * `meshMs`, over a direct link (the links then are recorded).
 *
 * Every page runs in one Chromium on one machine, so every page reads the
 * same clock (`performance.timeOrigin + performance.now()`); the bench checks
 * that against Node's clock in every page before and after the window
 * (`clock`: the largest difference, and the round trip it is known within).
 *
 * The sends are planned from Node and fired by timers in the pages: message
 * j (j = 0, 1, …) goes out at start + j / rate from page j mod pages, with a
 * unique id in its text. Its send time is stamped in the sending page just
 * before it presses "Send" (the text typed into the "Message" box by an input
 * event). Its render time is stamped in every other page by a
 * MutationObserver on the document: the first DOM change that shows a
 * message element (`[data-message-id]`) with that id in its text. Latency is
 * render − send over every (message, receiver) pair; a pair with no render by
 * the end of the window plus `graceMs` counts as lost.
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { RATE_BURST, RATE_PER_SECOND } from '@peerlink/core'
import type { Browser } from '@playwright/test'
import { createRoom, setName } from '../e2e/support/chat.ts'
import { startRelayPair } from '../e2e/support/relays.ts'
import { e2e, openApp, waitReserved, type AppPage } from './support/browser.ts'
import { linePlot } from './support/plot.ts'
import { waitMesh } from './support/room.ts'
import { percentile, round, type Row } from './support/stats.ts'

export interface ChatOptions {
  pages: number
  /** Messages per second, all pages together. */
  rate: number
  /** The sending window, s. */
  seconds: number
  /** After the window, how long a message may still arrive (else it is lost), ms. */
  graceMs: number
  appBase: string
  /** For each wait while setting up (pages, members online). */
  timeoutMs: number
  /** Once all are online, how long to wait for every link to be direct before the window starts anyway. */
  meshMs: number
  log: (line: string) => void
  onCleanUp: (cleanup: () => Promise<unknown>) => void
}

export interface Spread {
  p50: number
  p95: number
  p99: number
  max: number
  n: number
}

export interface ClockCheck {
  /** Largest |page clock − Node's clock at the middle of the round trip| over the pages, ms. */
  maxSkewMs: number
  /** Largest round trip of the check (the skew is known to within half of it), ms. */
  maxRoundTripMs: number
}

export interface ChatResult {
  pages: number
  rate: number
  windowMs: number
  graceMs: number
  /** The relays' PeerIds; page i is on relays[i % 2]. */
  relays: string[]
  peers: string[]
  /** The last page opened → every page sees every other online (or `timeoutMs` passed). */
  onlineMs: number
  /** The pairs (`a → b`: b in a's Members list) not online when the window started. */
  notOnline: string[]
  /** The Members lists' data-link of each ordered pair when the window started, counted. */
  links: Record<string, number>
  /** How late the pages' timers fired the sends, against the plan, ms. */
  sendLag: Spread | null
  clock: { before: ClockCheck, after: ClockCheck }
  sent: number
  /** (message, receiver) pairs: sent × (pages − 1). */
  pairs: number
  rendered: number
  lost: number
  /** Messages no other page rendered. */
  lostEverywhere: number
  /** Send → render over every pair rendered, and over pairs on the same relay and across the two. */
  latency: Spread | null
  sameRelay: Spread | null
  crossRelay: Spread | null
  /** Each message: who sent it, when (ms after the window started), and its latency at each page (null: lost; the sender's own is null too). */
  messages: Array<{ id: string, from: number, sentMs: number, latencyMs: Array<number | null> }>
  load: { start: number[], end: number[] }
}

interface PageLog {
  /** id → send time (shared clock). */
  sent: Record<string, number>
  /** id → render time (shared clock). */
  seen: Record<string, number>
  errors: string[]
}
type ChatWindow = Window & { __benchChat?: PageLog }

function spread (values: number[]): Spread | null {
  if (values.length === 0) return null
  return { p50: round(percentile(values, 50), 1), p95: round(percentile(values, 95), 1), p99: round(percentile(values, 99), 1), max: round(Math.max(...values), 1), n: values.length }
}

/** Each page's clock against Node's: the pages are meant to share one. */
async function checkClocks (pages: AppPage[]): Promise<ClockCheck> {
  let maxSkewMs = 0
  let maxRoundTripMs = 0
  for (const p of pages) {
    const before = Date.now()
    const pageNow = await p.page.evaluate(() => performance.timeOrigin + performance.now())
    const after = Date.now()
    maxSkewMs = Math.max(maxSkewMs, Math.abs(pageNow - (before + after) / 2))
    maxRoundTripMs = Math.max(maxRoundTripMs, after - before)
  }
  return { maxSkewMs: round(maxSkewMs, 1), maxRoundTripMs }
}

/** Starts stamping, in the page, when each message with a bench id first shows. */
async function watchMessages (page: AppPage, tag: string): Promise<void> {
  await page.page.evaluate((tag) => {
    const log: PageLog = { sent: {}, seen: {}, errors: [] }
    ;(window as ChatWindow).__benchChat = log
    const pattern = new RegExp(`${tag}-[\\w-]+`)
    const note = (el: Element, t: number): void => {
      const id = pattern.exec(el.textContent ?? '')?.[0]
      if (id != null) log.seen[id] ??= t
    }
    new MutationObserver((records) => {
      const t = performance.timeOrigin + performance.now()
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (!(n instanceof Element)) continue
          if (n.matches('[data-message-id]')) note(n, t)
          for (const m of n.querySelectorAll('[data-message-id]')) note(m, t)
        }
        const inside = (r.target instanceof Element ? r.target : r.target.parentElement)?.closest('[data-message-id]')
        if (inside != null) note(inside, t)
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  }, tag)
}

/** Sets the page's timers: at each planned moment, types the message into "Message" and presses "Send". */
async function planSends (page: AppPage, plan: Array<{ id: string, at: number }>): Promise<void> {
  await page.page.evaluate((plan) => {
    const log = (window as ChatWindow).__benchChat!
    const box = document.querySelector('textarea[aria-label="Message"]')
    const button = box?.closest('form')?.querySelector('button[type="submit"]')
    if (!(box instanceof HTMLTextAreaElement) || !(button instanceof HTMLButtonElement)) throw new Error('no "Message" box with a Send button')
    const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!
    for (const { id, at } of plan) {
      setTimeout(() => {
        try {
          setValue.call(box, id)
          box.dispatchEvent(new Event('input', { bubbles: true }))
          log.sent[id] = performance.timeOrigin + performance.now()
          button.click()
        } catch (err) {
          log.errors.push(`${id}: ${String(err)}`)
        }
      }, Math.max(0, at - (performance.timeOrigin + performance.now())))
    }
  }, plan)
}

export async function measureChat (browser: Browser, options: ChatOptions): Promise<ChatResult> {
  const { pages: n, rate, timeoutMs, log } = options
  const windowMs = options.seconds * 1000
  if (rate / n > RATE_PER_SECOND && (rate / n - RATE_PER_SECOND) * options.seconds > RATE_BURST) {
    log(`chat ${n}: ${round(rate / n, 2)} messages/s per page is above the room's limit per author (${RATE_PER_SECOND}/s after a burst of ${RATE_BURST}): receivers will drop some`)
  }
  const pair = await startRelayPair()
  const relays = [pair.relay1, pair.relay2]
  const stopRelays = async (): Promise<void> => {
    await pair.stop()
    for (const r of relays) await rm(r.dataDir, { recursive: true, force: true })
  }
  options.onCleanUp(stopRelays)
  const pages: AppPage[] = []
  try {
    const load = { start: loadavg(), end: [] as number[] }
    const relayOf = (i: number): typeof relays[number] => relays[i % 2]!
    const first = await openApp(browser, options.appBase, 'chat 1', { relays: [relayOf(0).infoUrl] })
    pages.push(first)
    await setName(e2e(first), 'P1')
    await waitReserved(first, relayOf(0).peerId)
    const link = await createRoom(e2e(first))
    pages.push(...await Promise.all(Array.from({ length: n - 1 }, async (_, k) => {
      const i = k + 1
      const p = await openApp(browser, options.appBase, `chat ${i + 1}`, { relays: [relayOf(i).infoUrl], fragment: link })
      await setName(e2e(p), `P${i + 1}`)
      return p
    })))
    const mesh = await waitMesh(pages, { timeoutMs, directMs: options.meshMs })
    const { onlineMs, links, notOnline } = mesh
    log(`chat ${n}: ${n} pages on 2 relays online to each other after ${onlineMs} ms; links after ${mesh.directMs} ms ${JSON.stringify(links)}` +
      (notOnline.length > 0 ? `; NOT online after ${timeoutMs / 1000} s: ${notOnline.join(', ')}` : ''))

    const tag = `m${randomBytes(3).toString('hex')}`
    await Promise.all(pages.map(async p => watchMessages(p, tag)))
    const before = await checkClocks(pages)
    const start = Date.now() + 1000 + 100 * n
    const count = Math.floor(options.seconds * rate)
    const plan = Array.from({ length: count }, (_, j) => ({ from: j % n, id: `${tag}-${j % n}-${j}`, at: start + j * 1000 / rate }))
    await Promise.all(pages.map(async (p, i) => planSends(p, plan.filter(m => m.from === i))))
    log(`chat ${n}: sending ${count} messages over ${options.seconds} s (${rate}/s in all), then ${options.graceMs / 1000} s for the last to arrive`)
    await new Promise(resolve => setTimeout(resolve, Math.max(0, start + windowMs + options.graceMs - Date.now())))
    const logs = await Promise.all(pages.map(async p => p.page.evaluate(() => {
      const l = (window as ChatWindow).__benchChat!
      return { sent: { ...l.sent }, seen: { ...l.seen }, errors: [...l.errors] }
    })))
    const after = await checkClocks(pages)
    load.end = loadavg()

    const errors = logs.flatMap((l, i) => l.errors.map(e => `page ${i + 1}: ${e}`))
    if (errors.length > 0) throw new Error(`sending failed: ${errors.slice(0, 3).join('; ')}`)
    const all: number[] = []
    const same: number[] = []
    const cross: number[] = []
    let lostEverywhere = 0
    const messages: ChatResult['messages'] = []
    const lags: number[] = []
    for (const m of plan) {
      const sentAt = logs[m.from]!.sent[m.id]
      if (sentAt == null) throw new Error(`page ${m.from + 1} did not send ${m.id}`)
      lags.push(sentAt - m.at)
      const latencyMs = logs.map((l, r) => {
        if (r === m.from) return null
        const seen = l.seen[m.id]
        if (seen == null) return null
        const ms = seen - sentAt
        all.push(ms)
        ;(r % 2 === m.from % 2 ? same : cross).push(ms)
        return round(ms, 1)
      })
      if (latencyMs.every(v => v == null)) lostEverywhere++
      messages.push({ id: m.id, from: m.from, sentMs: round(sentAt - start, 1), latencyMs })
    }
    const pairs = plan.length * (n - 1)
    return {
      pages: n,
      rate,
      windowMs,
      graceMs: options.graceMs,
      relays: relays.map(r => r.peerId),
      peers: pages.map(p => p.peerId),
      onlineMs,
      notOnline,
      links,
      sendLag: spread(lags),
      clock: { before, after },
      sent: plan.length,
      pairs,
      rendered: all.length,
      lost: pairs - all.length,
      lostEverywhere,
      latency: spread(all),
      sameRelay: spread(same),
      crossRelay: spread(cross),
      messages,
      load
    }
  } finally {
    await Promise.all(pages.map(async p => p.context.close().catch(() => {})))
    await stopRelays()
  }
}

export function chatRows (results: ChatResult[]): Row[] {
  return results.flatMap((r): Row[] => {
    const l = r.latency
    const where = `${r.pages} pages on 2 relays, ${r.rate} msg/s`
    if (l == null) return [{ measurement: `chat ${where}: send → render`, runs: [], median: null, unit: 'ms', note: `nothing rendered of ${r.sent} messages` }]
    const part = (name: string, s: Spread | null): string => s == null ? '' : `${name} p50 ${Math.round(s.p50)} / p99 ${Math.round(s.p99)} ms (${s.n})`
    return [{
      measurement: `chat ${where}: send → render`,
      runs: [l.p50, l.p99, l.max],
      median: l.p50,
      p95: l.p95,
      p99: l.p99,
      max: l.max,
      unit: 'ms',
      note: `runs: p50, p99, max over ${l.n} (message, other page) pairs of ${r.sent} messages in ${r.windowMs / 1000} s; ` +
        `${[part('same relay', r.sameRelay), part('across relays', r.crossRelay)].filter(s => s !== '').join(', ')}; ` +
        `sends fired p50 ${Math.round(r.sendLag?.p50 ?? 0)} / max ${Math.round(r.sendLag?.max ?? 0)} ms late; links ${Object.entries(r.links).map(([k, v]) => `${v} ${k}`).join(', ')}; ` +
        `clocks agree within ${r.clock.before.maxSkewMs}/${r.clock.after.maxSkewMs} ms` +
        `${r.notOnline.length > 0 ? `; ${r.notOnline.length} of ${r.pages * (r.pages - 1)} members not seen online at the start` : ''}`
    }, {
      measurement: `  not rendered within ${r.windowMs / 1000} + ${r.graceMs / 1000} s`,
      runs: [r.lost],
      median: r.lost,
      unit: 'pairs',
      note: `of ${r.pairs}; ${r.lostEverywhere} messages rendered by no other page`
    }]
  })
}

/** `<out>-chat.svg` when there are two sizes or more: send → render against the number of pages. */
export function chatPlot (results: ChatResult[]): string {
  const sorted = [...results].sort((a, b) => a.pages - b.pages)
  const rate = sorted[0]?.rate ?? 0
  return linePlot({
    id: 'chat',
    title: `Chat send → render in every other page, ${rate} messages/s in all`,
    xLabel: 'pages in the room (half on each of 2 relays)',
    yLabel: 'ms',
    series: [
      { name: 'p50', points: sorted.map(r => [r.pages, r.latency?.p50 ?? null]) },
      { name: 'p99', points: sorted.map(r => [r.pages, r.latency?.p99 ?? null]) },
      { name: 'max', points: sorted.map(r => [r.pages, r.latency?.max ?? null]) }
    ]
  })
}
