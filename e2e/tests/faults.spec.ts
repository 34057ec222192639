/**
 * The fault suite: relays SIGKILLed (no goodbye, sockets reset by the kernel)
 * and started again with the same data directory and ports (same PeerId, same
 * addresses) during a chat, a file transfer and a call, with direct WebRTC
 * between the browsers and with `?webrtc=off` (everything through the relay),
 * each with a browser reload in the middle; and two relays of which one dies
 * for good. Short by default; `PEERLINK_CHAOS=1` runs more messages, a bigger
 * file and several kill cycles.
 *
 * Figures are printed as `[faults] …` lines.
 */
import type { Browser } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, type AppPage } from '../support/app.js'
import { RELAY_ONLY } from '../support/calls.js'
import { createRoom, history, member, messages, send, setName } from '../support/chat.js'
import { killRelay, since, startRestartableRelay, waitOnline, waitRelayless } from '../support/faults.js'

const CHAOS = process.env.PEERLINK_CHAOS === '1'
/** Messages Ann sends during each outage (the per-author rate limit is a burst of 30, then 3/s). */
const OUTAGE_MESSAGES = CHAOS ? 12 : 4
/** Kill/restart cycles per test. */
const CYCLES = CHAOS ? 3 : 1
/** After a restart: the relay keeper's backoff (0.5 s doubling, jittered), the reservation, the members finding each other again. */
const RECOVERY_MS = 60_000

function figure (line: string): void {
  console.log(`[faults] ${line}`)
}

type Mode = 'direct' | 'relay-only'
const MODES: Array<{ mode: Mode, query: string, link: 'direct' | 'relayed' }> = [
  { mode: 'direct', query: '', link: 'direct' },
  { mode: 'relay-only', query: RELAY_ONLY, link: 'relayed' }
]

/** Ann creates a room, Bob opens its link; both with `query` appended to the app URL; each sees the other online over `link`. */
async function room (browser: Browser, relays: string[], query: string, link: 'direct' | 'relayed'): Promise<{ a: AppPage, b: AppPage }> {
  const a = await openApp(browser, relays, 'Ann', undefined, query)
  await setName(a, 'Ann')
  const fragment = await createRoom(a)
  const b = await openApp(browser, relays, 'Bob', undefined, query + fragment)
  await setName(b, 'Bob')
  await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
  await expect(member(b, a.peerId)).toHaveAttribute('data-state', 'online')
  await expect(member(a, b.peerId)).toHaveAttribute('data-link', link)
  return { a, b }
}

/** Opens the connections page (its relay list), runs `check`, and goes back to the page it showed. */
async function relayStates (app: AppPage, check: () => Promise<void>): Promise<void> {
  const back = new URL(app.page.url()).hash
  await app.page.getByRole('link', { name: 'Connections and settings' }).click()
  try {
    await check()
  } finally {
    await app.page.evaluate((hash) => { location.hash = hash }, back)
    await expect(app.page.getByRole('log', { name: 'Messages' })).toBeVisible()
  }
}

/** The texts in the page's message log, in display order. */
async function texts (app: AppPage): Promise<string[]> {
  return (await history(app)).map(([, text]) => text)
}

/** Waits until every text of `expected` is in the page's log, and returns the log's texts. */
async function waitForTexts (app: AppPage, expected: string[], timeout = RECOVERY_MS): Promise<string[]> {
  const wanted = new Set(expected)
  await expect.poll(async () => (await texts(app)).filter(t => wanted.has(t)).length, { timeout, message: `${expected.length} messages at ${app.peerId}` })
    .toBeGreaterThanOrEqual(wanted.size)
  return texts(app)
}

/** Every text of `expected` is in `log` exactly once, in the order of `expected`. */
function exactlyOnceInOrder (log: string[], expected: string[]): void {
  const wanted = new Set(expected)
  expect(log.filter(t => wanted.has(t))).toEqual(expected)
}

for (const { mode, query, link } of MODES) {
  test(`chat (${mode}): messages sent while the relay is SIGKILLed and restarted arrive exactly once, in order, across a reload of the receiver`, async ({ browser }) => {
    test.setTimeout(CHAOS ? 600_000 : 150_000)
    const relay = await startRestartableRelay()
    try {
      const { a, b } = await room(browser, [relay.infoUrl], query, link)
      await send(a, `before ${mode}`)
      await expect(messages(b).filter({ hasText: `before ${mode}` })).toHaveCount(1)

      const all = [`before ${mode}`]
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const sent: string[] = []
        const down = performance.now()
        await relay.kill()
        await waitRelayless(a)
        for (let i = 0; i < OUTAGE_MESSAGES; i++) {
          // Bob reloads halfway through the outage: he comes back with no relay to find anyone through
          if (i === OUTAGE_MESSAGES / 2) await b.page.reload()
          const text = `outage ${cycle}.${i} ${mode}`
          await send(a, text)
          sent.push(text)
        }
        // Ann's copies are in her log at once, whatever the network
        await waitForTexts(a, sent, 10_000)
        await relay.restart()
        const outage = since(down)
        await waitOnline(a, RECOVERY_MS)
        await waitOnline(b, RECOVERY_MS)
        const log = await waitForTexts(b, sent)
        const delivered = since(down) - outage
        exactlyOnceInOrder(log, [...all, ...sent])
        all.push(...sent)
        figure(`chat ${mode} cycle ${cycle}: outage ${outage} ms, ${sent.length} messages sent during it, ${log.filter(t => sent.includes(t)).length} received by Bob (reloaded mid-outage), all in ${delivered} ms after the restart`)
      }

      // a message after the last restart: once it is in, nothing more of the outage is still in flight
      await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
      await send(a, `after ${mode}`)
      await send(b, `reply ${mode}`)
      all.push(`after ${mode}`, `reply ${mode}`)
      await waitForTexts(b, all)
      await waitForTexts(a, all)
      const bLog = await history(b)
      const aLog = await history(a)
      exactlyOnceInOrder(bLog.map(([, t]) => t), all)
      expect(new Set(bLog.map(([id]) => id)).size).toBe(bLog.length)
      expect(bLog).toEqual(aLog)
      // Ann's outage messages reached a member
      await expect(messages(a).filter({ hasText: `outage ${CYCLES - 1}.${OUTAGE_MESSAGES - 1} ${mode}` })).toHaveAttribute('data-status', /sent|seen/)
    } finally {
      await relay.stop()
    }
  })
}

test('two relays, one SIGKILLed for good: every page keeps the other relay and the members (relay-only) chat again within 10 s; a reload comes back through the survivor', async ({ browser }) => {
  test.setTimeout(150_000)
  const one = await startRelay()
  const two = await startRelay(['--bootstrap', one.addr('tcp')])
  try {
    await expect.poll(async () => ((await (await fetch(`${one.http}/healthz`)).json()) as { connections: number }).connections).toBeGreaterThanOrEqual(1)
    const relays = [one.infoUrl, two.infoUrl]
    const { a, b } = await room(browser, relays, RELAY_ONLY, 'relayed')
    // the relay list is on the connections page; the room keeps running meanwhile
    for (const app of [a, b]) {
      await relayStates(app, async () => {
        await app.waitReserved(one.peerId)
        await app.waitReserved(two.peerId)
      })
    }
    await send(a, 'before the kill')
    await expect(messages(b).filter({ hasText: 'before the kill' })).toHaveCount(1)

    const killed = performance.now()
    await killRelay(one)
    // the members talk again, both ways, through relay two
    await send(a, 'after the kill')
    await send(b, 'back at you')
    await expect(messages(b).filter({ hasText: 'after the kill' })).toHaveCount(1, { timeout: 10_000 })
    await expect(messages(a).filter({ hasText: 'back at you' })).toHaveCount(1, { timeout: 10_000 })
    const moved = since(killed)
    // every page sees relay one gone and holds its reservation on relay two
    for (const app of [a, b]) {
      await relayStates(app, async () => {
        await expect(app.relayItem(one.peerId)).not.toContainText('reserved', { timeout: 10_000 })
        await expect(app.relayItem(two.peerId)).toContainText('reserved', { timeout: 10_000 })
      })
    }
    figure(`two relays: relay one SIGKILLed; chat both ways again (relay-only) after ${moved} ms; both pages on relay two after ${since(killed)} ms`)
    expect(moved).toBeLessThanOrEqual(10_000)

    // Bob reloads with relay one still dead: he comes back through relay two and gets what he missed
    await send(a, 'while Bob reloads')
    const reloaded = performance.now()
    await b.page.reload()
    await relayStates(b, async () => {
      await b.waitReserved(two.peerId)
      // relay one is listed by its URL, never resolved since the reload
      const item = b.page.getByRole('list', { name: 'Relays' }).locator(`[data-relay-input="${one.infoUrl}"]`)
      await expect(item).toHaveAttribute('data-state', /^(connecting|disconnected)$/)
    })
    await send(a, 'after Bob reloaded')
    await waitForTexts(b, ['while Bob reloads', 'after Bob reloaded'], 30_000)
    figure(`two relays: Bob reloaded with relay one dead; back in the room with both messages after ${since(reloaded)} ms`)
    const expected = ['before the kill', 'after the kill', 'back at you', 'while Bob reloads', 'after Bob reloaded']
    exactlyOnceInOrder(await texts(b), expected)
    await waitForTexts(a, expected)
    expect(await history(b)).toEqual(await history(a))
  } finally {
    await two.stop()
    await one.stop()
  }
})
