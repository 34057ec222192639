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
import { fileLink, type Peerlink } from '@peerlink/core'
import type { Browser, Locator } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { openApp, readPeerId, visit, type AppPage } from '../support/app.js'
import { callPanel, closeAll, joinCall, RELAY_ONLY, receivesMediaFrom, startCall, stillReceivingFrom, tile } from '../support/calls.js'
import { createRoom, history, member, messages, send, setName } from '../support/chat.js'
import { counters, fileRow, joinRoom, makeFile, MiB, namedFile, nodePeer, opfsSha256, rowOf, saveToOpfs, shareFiles, SlowChunkStore } from '../support/files.js'
import { killRelay, since, startRestartableRelay, waitOnline, waitRelayless } from '../support/faults.js'
import { startRelayPair } from '../support/relays.js'

const CHAOS = process.env.PEERLINK_CHAOS === '1'
/** Messages Ann sends during each outage (the per-author rate limit is a burst of 30, then 3/s). */
const OUTAGE_MESSAGES = CHAOS ? 12 : 4
/** Kill/restart cycles per test. */
const CYCLES = CHAOS ? 3 : 1
/** After a restart: the relay keeper's backoff (0.5 s doubling, jittered), the reservation, the members finding each other again. */
const RECOVERY_MS = 60_000
/** A download's budget, kills and reloads included. */
const TRANSFER_MS = CHAOS ? 300_000 : 120_000

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

/** Opens Diagnostics (its relay list), runs `check`, and goes back to the room it showed. */
async function relayStates (app: AppPage, check: () => Promise<void>): Promise<void> {
  await visit(app.page, 'diagnostics', check)
  await expect(app.page.getByRole('log', { name: 'Messages' })).toBeVisible()
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
  test(`chat (${mode}): messages sent while the relay is SIGKILLed and restarted arrive exactly once, in order, across reloads of the receiver and of the sender during the outage`, async ({ browser }) => {
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
        const noticed = since(down)
        let reloadMs = 0
        for (let i = 0; i < OUTAGE_MESSAGES; i++) {
          // Bob reloads halfway through the outage: he comes back with no relay to find anyone through
          if (i === OUTAGE_MESSAGES / 2) {
            const start = performance.now()
            await b.page.reload()
            await readPeerId(b.page)
            reloadMs = since(start)
          }
          const text = `outage ${cycle}.${i} ${mode}`
          await send(a, text)
          sent.push(text)
        }
        // Ann's copies are in her log at once, whatever the network
        await waitForTexts(a, sent, 10_000)
        // then Ann reloads too, before the relay is back: what did not go out yet is in her outbox (IndexedDB)
        const annStart = performance.now()
        await a.page.reload()
        await readPeerId(a.page)
        await waitForTexts(a, sent, 10_000)
        const annReloadMs = since(annStart)
        await relay.restart()
        const outage = since(down)
        await waitOnline(a, RECOVERY_MS)
        await waitOnline(b, RECOVERY_MS)
        const log = await waitForTexts(b, sent)
        const delivered = since(down) - outage
        exactlyOnceInOrder(log, [...all, ...sent])
        all.push(...sent)
        figure(`chat ${mode} cycle ${cycle}: Ann offline ${noticed} ms after the kill; Bob's reload took ${reloadMs} ms, Ann's (after sending) ${annReloadMs} ms; outage ${outage} ms, ${sent.length} messages sent during it, ${log.filter(t => sent.includes(t)).length} received by Bob (both reloaded mid-outage), all in ${delivered} ms after the restart`)
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
  const { relay1: one, relay2: two, stop } = await startRelayPair()
  try {
    const relays = [one.infoUrl, two.infoUrl]
    const { a, b } = await room(browser, relays, RELAY_ONLY, 'relayed')
    // the relay list is in Diagnostics; the room keeps running meanwhile
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
    // every page sees relay one gone and holds its reservation on relay two (both pages at once; each time is
    // an upper bound, it includes opening Diagnostics)
    const onTwo = await Promise.all([a, b].map(async app => {
      let at = 0
      await relayStates(app, async () => {
        await expect(app.relayItem(one.peerId)).not.toContainText('reserved', { timeout: 10_000 })
        await expect(app.relayItem(two.peerId)).toContainText('reserved', { timeout: 10_000 })
        at = since(killed)
      })
      return at
    }))
    figure(`two relays: relay one SIGKILLed; chat both ways again (relay-only) after ${moved} ms; Ann's page shows relay one gone and relay two reserved after ${onTwo[0]} ms, Bob's after ${onTwo[1]} ms`)
    expect(moved).toBeLessThanOrEqual(10_000)
    for (const at of onTwo) expect(at).toBeLessThanOrEqual(10_000)

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
    await stop()
  }
})

/** blocks / totalBlocks of a file row (0 until the manifest is in). */
async function progress (row: Locator): Promise<number> {
  const n = await counters(row)
  return n.totalBlocks > 0 ? n.blocks / n.totalBlocks : 0
}

test('file (relay-only): the downloader reloads mid-download, then the relay is SIGKILLed and restarted mid-download; the file completes hash-exact, no block fetched twice', async ({ browser }) => {
  test.setTimeout(CHAOS ? 600_000 : 150_000)
  // the seeder is a Node peer (no WebRTC): every block goes through the relay; it hands out one block per `delay` ms
  // so the download is still running when the page reloads and when the relay dies
  const size = CHAOS ? 24 * MiB : 8 * MiB
  const delay = CHAOS ? 150 : 300
  const relay = await startRestartableRelay(['--circuit-data-limit', '0'])
  let seeder: Peerlink | undefined
  try {
    seeder = await nodePeer(relay.infoUrl, new SlowChunkStore(delay))
    const file = await makeFile(size, 'faulty.bin')
    const { status, link } = await seeder.shareFile(namedFile(file.bytes, file.name))
    const started = performance.now()
    const c = await openApp(browser, [relay.infoUrl], 'Cid', undefined, RELAY_ONLY + fileLink('', link), saveToOpfs)
    const row = rowOf(c, status.cid)
    await expect(row.getByRole('link', { name: `Download ${file.name}` })).toBeVisible()

    // the reload first: the counters after it cover every kill below
    await expect.poll(async () => progress(row), { timeout: TRANSFER_MS, intervals: [100] }).toBeGreaterThan(0.1)
    const beforeReload = await counters(row)
    expect(beforeReload.duplicates).toBe(0)
    await c.page.reload()
    await expect.poll(async () => (await counters(row)).skipped, { timeout: RECOVERY_MS }).toBeGreaterThan(0)

    let outages = 0
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await expect.poll(async () => progress(row), { timeout: TRANSFER_MS, intervals: [100] }).toBeGreaterThan(0.2 + cycle * 0.5 / CYCLES)
      const down = performance.now()
      await relay.kill()
      const atKill = await counters(row)
      expect(atKill.blocks, 'the relay died mid-download').toBeLessThan(atKill.totalBlocks)
      await waitRelayless(c)
      await relay.restart()
      const outage = since(down)
      outages += outage
      // the download goes on after the restart
      await expect.poll(async () => (await counters(row)).blocks, { timeout: RECOVERY_MS }).toBeGreaterThan(atKill.blocks)
      figure(`file relay-only cycle ${cycle}: relay killed at block ${atKill.blocks}/${atKill.totalBlocks}; outage ${outage} ms; the download went on ${since(down) - outage} ms after the restart`)
    }

    await expect(row).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_MS })
    const elapsed = since(started)
    const done = await counters(row)
    // no block fetched twice: what the reload found stored was skipped, the rest fetched once, kills or not
    expect(done.duplicates).toBe(0)
    expect(done.rejected).toEqual({})
    expect(done.skipped).toBeGreaterThan(0)
    expect(done.skipped + done.fetched).toBe(done.totalBlocks)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_MS })
    expect(await opfsSha256(c.page, file.name)).toBe(file.sha256)
    figure(`file relay-only: ${size / MiB} MiB (${done.totalBlocks} blocks, seeder ${delay} ms/block), reload at block ${beforeReload.blocks}, then ${CYCLES} kill(s) (${outages} ms down in all): complete in ${elapsed} ms; duplicates ${done.duplicates}; skipped ${done.skipped} + fetched ${done.fetched} = ${done.totalBlocks}`)
  } finally {
    await seeder?.stop()
    await relay.stop()
  }
})

test('file (direct): the relay is SIGKILLed mid-download and the downloader reloads during the outage; after the restart the download resumes and completes hash-exact, no block fetched twice', async ({ browser }) => {
  test.setTimeout(CHAOS ? 600_000 : 150_000)
  const size = CHAOS ? 64 * MiB : 24 * MiB
  const relay = await startRestartableRelay()
  try {
    const file = await makeFile(size, 'direct.bin')
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await joinRoom(browser, [relay.infoUrl], link, 'Bob', saveToOpfs)
    await expect(member(a, b.peerId)).toHaveAttribute('data-link', 'direct')
    await shareFiles(a, [file.path])
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_MS })

    const row = fileRow(b, file.name)
    const started = performance.now()
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect.poll(async () => (await counters(row)).blocks, { timeout: TRANSFER_MS, intervals: [50] }).toBeGreaterThan(0)
    const down = performance.now()
    await relay.kill()
    // the relay is gone: the direct connection carries on
    const atKill = await counters(row)
    await b.page.reload()
    const atReload = await counters(row)
    expect(atKill.blocks, 'the relay died mid-download').toBeLessThan(atKill.totalBlocks)
    expect(atReload.blocks, 'the reload came mid-download').toBeLessThan(atReload.totalBlocks)
    // back with no relay to find Ann through: the download waits for one
    await waitRelayless(b)
    await relay.restart()
    const outage = since(down)
    await expect(row).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_MS })
    const elapsed = since(started)
    const done = await counters(row)
    // no block fetched twice: what Bob had stored before the reload was found and skipped, the rest fetched once
    expect(done.duplicates).toBe(0)
    expect(done.rejected).toEqual({})
    expect(done.skipped).toBeGreaterThan(0)
    expect(done.skipped + done.fetched).toBe(done.totalBlocks)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_MS })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    figure(`file direct: ${size / MiB} MiB (${done.totalBlocks} blocks); relay killed at block ${atKill.blocks}, Bob reloaded (found ${done.skipped} stored), outage ${outage} ms; complete ${elapsed} ms after the click; duplicates ${done.duplicates}, fetched after the reload ${done.fetched}`)
  } finally {
    await relay.stop()
  }
})

for (const { mode, query, link } of MODES) {
  test(`call (${mode}): the relay is SIGKILLed and restarted, the call goes on`, async ({ browser }) => {
    await callThroughRelayFaults(browser, mode, query, link, false)
  })

  // The second kill often finds the pages on WebRTC-direct to the relay (the reconnect after the first one): restarted
  // within seconds on the same port, the relay answers the old connection's ICE checks, so only the relay keeper's
  // heartbeat tells Ann's page that connection is dead (and with it her reservation and, relay-only, the call's signaling)
  test(`call (${mode}): killed again with a reload of one side: its tile ends cleanly and it rejoins`, async ({ browser }) => {
    await callThroughRelayFaults(browser, mode, query, link, true)
  })
}

async function callThroughRelayFaults (browser: Browser, mode: Mode, query: string, link: 'direct' | 'relayed', reload: boolean): Promise<void> {
  test.setTimeout(CHAOS ? 600_000 : 180_000)
  const relay = await startRestartableRelay()
  const apps: AppPage[] = []
  try {
    const { a, b } = await room(browser, [relay.infoUrl], query, link)
    apps.push(a, b)
    await startCall(a)
    await joinCall(b)
    await receivesMediaFrom(a, b.peerId)
    await receivesMediaFrom(b, a.peerId)

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const down = performance.now()
      await relay.kill()
      await waitRelayless(a)
      // media runs on the call's own peer connection: it does not need the relay
      await stillReceivingFrom(a, b.peerId)
      await stillReceivingFrom(b, a.peerId)
      // relay-only, the signaling stream was on the relay and is gone; with direct libp2p it usually runs on the direct
      // connection and stays, unless the call was signaled before the connection became direct (then it is made again)
      if (mode === 'relay-only') await expect(tile(a, b.peerId)).toHaveAttribute('data-link', 'reconnecting')
      await relay.restart()
      const outage = since(down)
      // a definite outcome within the signaling grace (30 s) and then some: the call recovered, both ways
      for (const [app, other] of [[a, b], [b, a]] as const) {
        await expect(tile(app, other.peerId)).toHaveAttribute('data-link', 'connected', { timeout: RECOVERY_MS })
        await expect(tile(app, other.peerId)).toHaveAttribute('data-connection', 'connected')
        await stillReceivingFrom(app, other.peerId)
      }
      figure(`call ${mode} cycle ${cycle}: outage ${outage} ms, media kept flowing through it; signaling connected; both tiles connected with fresh frames ${since(down) - outage} ms after the restart`)
    }

    if (!reload) return
    // killed again, and Bob reloads during the outage: his session is gone, Ann's tile of him must end, not hang
    const down = performance.now()
    await relay.kill()
    await b.page.reload()
    await readPeerId(b.page)
    await relay.restart()
    const outage = since(down)
    await expect(tile(a, b.peerId)).toHaveCount(0, { timeout: RECOVERY_MS })
    const ended = since(down)
    await expect(callPanel(a).getByRole('button', { name: 'Leave call' })).toBeVisible()
    // Bob's reloaded page is out of the call and offers to join the one still running
    await expect(callPanel(b).getByRole('button', { name: 'Join call' })).toBeVisible({ timeout: RECOVERY_MS })
    // Bob can join again and both see each other
    await joinCall(b)
    await receivesMediaFrom(a, b.peerId)
    await receivesMediaFrom(b, a.peerId)
    figure(`call ${mode}: Bob reloaded during an outage of ${outage} ms; Ann's tile of him ended ${ended} ms after the kill; he rejoined and media flowed both ways ${since(down)} ms after the kill`)
  } finally {
    await closeAll(apps)
    await relay.stop()
  }
}
