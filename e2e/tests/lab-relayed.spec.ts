/**
 * The NAT lab's circuit-relay-only case: two browsers in two offices that let
 * out only web traffic (TCP to the app's and the relays' https/wss ports; no
 * UDP, no TURN), so neither direct WebRTC nor TURN can connect them and the
 * relays' circuits are the only path. Relays keep their default limits
 * (1 MiB per relayed connection, 10 minutes). Chat both ways and a DM
 * deliver; a file that fits the relay's limit downloads hash-exact; a 16 MiB
 * file stops with a message that says why instead of crawling from circuit to
 * circuit, and once the offices let UDP out (a direct path appears) it
 * resumes by itself and completes. Prints its figures and writes them to
 * test-results/nat-lab-relayed.json.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import type { Browser, BrowserContext } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { openApp, type AppPage } from '../support/app.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { counters, fileRow, makeFile, MiB, opfsSha256, saveToOpfs, shareFiles, type TestFile } from '../support/files.js'
import { labContext, launchIn, selectedPaths } from '../lab/browsers.js'
import { startLab, WEB_ENDPOINTS, type Lab } from '../lab/lab.js'
import type { HomeSpec } from '../lab/netlab.js'

const HOMES: HomeSpec[] = [
  { name: 'office-1', nat: 'web-only', hosts: ['office-1'], allowTcp: WEB_ENDPOINTS },
  { name: 'office-2', nat: 'web-only', hosts: ['office-2'], allowTcp: WEB_ENDPOINTS }
]

/** PEERLINK_LAB_DEBUG=1 prints Bob's file and connection logs. */
const DEBUG = process.env.PEERLINK_LAB_DEBUG === '1'

/** The table, written when the lab ends. */
const RESULTS = 'test-results/nat-lab-relayed.json'

interface Figures {
  firstMessageMs?: number
  chatLatencyMs?: number
  chatLatencyBackMs?: number
  smallFileMs?: number
  /** From the click on the 16 MiB file to the message on its row. */
  largeStopMs?: number
  dmMs?: number
  /** From opening the offices' firewalls to the stopped 16 MiB download saved. */
  resumedMs?: number
}

let lab: Lab
let small: TestFile
let large: TestFile
const figures: Figures = {}

test.beforeAll(async () => {
  test.setTimeout(120_000)
  lab = await startLab(HOMES)
  small = await makeFile(256 * 1024, 'relayed-256KiB.bin')
  large = await makeFile(16 * MiB, 'relayed-16MiB.bin')
})

test.afterAll(async () => {
  await lab?.down()
  const ms = (n: number | undefined): string => n == null ? '–' : `${n} ms`
  console.log(`\nNAT lab, circuit relay only (${RESULTS})\n` +
    'first message | chat latency A→B, B→A | 256 KiB file | 16 MiB file stopped after | DM | firewalls opened → 16 MiB saved\n' +
    `${ms(figures.firstMessageMs)} | ${ms(figures.chatLatencyBackMs)}, ${ms(figures.chatLatencyMs)} | ${ms(figures.smallFileMs)} | ${ms(figures.largeStopMs)} | ${ms(figures.dmMs)} | ${ms(figures.resumedMs)}\n`)
  await mkdir('test-results', { recursive: true })
  await writeFile(RESULTS, JSON.stringify({ pair: 'web-only ↔ web-only', path: 'circuit relay', ...figures }, null, 2))
})

test('NAT lab, circuit relay only (two offices letting out web traffic only): chat, DM, a file within the relay\'s limit, a 16 MiB file stopped with the reason and resumed by itself once a direct path opens', async () => {
  test.setTimeout(150_000)
  const browsers: Browser[] = []
  try {
    const relayUrls = lab.relays.map(r => r.infoUrl)
    const open = async (host: string, name: string, fragment = '', setup?: (c: BrowserContext) => Promise<void>): Promise<AppPage> => {
      const browser = await launchIn(lab.net.host(host), lab.spki)
      browsers.push(browser)
      const context = await labContext(browser, lab.origin)
      await setup?.(context)
      return openApp(context, relayUrls, name, lab.origin, fragment)
    }

    const a = await open('office-1', 'Ann')
    await setName(a, 'Ann')
    // over wss, the only way out of the office
    for (const relay of lab.relays) await a.waitReserved(relay.peerId)
    const link = await createRoom(a)

    // Bob opens the link; Ann writes at once: how long until Bob reads it
    const t0 = Date.now()
    const b = await open('office-2', 'Bob', link, async (c) => {
      await saveToOpfs(c)
      if (DEBUG) await c.addInitScript(() => { localStorage.setItem('debug', 'peerlink:files*,peerlink:peer*') })
    })
    if (DEBUG) b.page.on('console', m => { if (m.text().includes('peerlink')) console.log('Bob:', m.text().replaceAll('%c', '')) })
    await setName(b, 'Bob')
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online', { timeout: 60_000 })
    await send(a, 'hello from Ann')
    await expect(messages(b).filter({ hasText: 'hello from Ann' })).toBeVisible({ timeout: 60_000 })
    figures.firstMessageMs = Date.now() - t0

    // the two are connected through a relay's circuit, and by nothing else: no WebRTC connection came up
    await expect(member(a, b.peerId)).toHaveAttribute('data-link', 'relayed', { timeout: 60_000 })
    await expect(member(b, a.peerId)).toHaveAttribute('data-link', 'relayed', { timeout: 60_000 })
    expect(await selectedPaths(a.page)).toEqual([])
    expect(await selectedPaths(b.page)).toEqual([])

    // chat both ways
    let sent = Date.now()
    await send(b, 'reply from Bob')
    await expect(messages(a).filter({ hasText: 'reply from Bob' })).toBeVisible()
    figures.chatLatencyMs = Date.now() - sent
    sent = Date.now()
    await send(a, 'and again from Ann')
    await expect(messages(b).filter({ hasText: 'and again from Ann' })).toBeVisible()
    figures.chatLatencyBackMs = Date.now() - sent

    // a file within the relay's limit comes over the circuit, hash-exact
    await shareFiles(a, [small.path])
    await expect(fileRow(a, small.name)).toHaveAttribute('data-state', 'complete')
    const smallRow = fileRow(b, small.name)
    await expect(smallRow).toHaveAttribute('data-state', 'available')
    let started = Date.now()
    await smallRow.getByRole('link', { name: `Download ${small.name}` }).click()
    await expect(smallRow).toHaveAttribute('data-save', 'saved', { timeout: 60_000 })
    figures.smallFileMs = Date.now() - started
    expect(await opfsSha256(b.page, small.name)).toBe(small.sha256)

    // 16 MiB cannot cross a circuit that carries 1 MiB: the download stops with the reason, having fetched nothing
    await shareFiles(a, [large.path])
    const aLargeRow = fileRow(a, large.name)
    await expect(aLargeRow).toHaveAttribute('data-state', 'complete', { timeout: 60_000 })
    const largeRow = fileRow(b, large.name)
    await expect(largeRow).toHaveAttribute('data-state', 'available')
    started = Date.now()
    await largeRow.getByRole('link', { name: `Download ${large.name}` }).click()
    await expect(largeRow).toHaveAttribute('data-state', 'failed', { timeout: 60_000 })
    figures.largeStopMs = Date.now() - started
    await expect(largeRow.locator('.error')).toHaveText(
      /^No direct connection to Ann: the relay between you carries only 1\.0\d MB per connection, too little for the rest of this file\. The download continues by itself once a direct connection opens, or press "Resume" to try again\.$/)
    await expect(largeRow.getByRole('button', { name: 'Resume' })).toBeVisible()
    const stopped = await counters(largeRow)
    expect(stopped).toMatchObject({ state: 'failed', blocks: 0, fetched: 0 })
    const servedAtStop = (await counters(aLargeRow)).served

    // a direct message, Ann → Bob, over the same circuit
    sent = Date.now()
    await member(a, b.peerId).getByRole('button', { name: 'Message' }).click()
    await send(a, 'a direct message')
    await expect(messages(a).filter({ hasText: 'a direct message' })).toHaveAttribute('data-status', 'delivered')
    figures.dmMs = Date.now() - sent
    const dmUrl = new URL(b.page.url())
    dmUrl.hash = `/dm/${a.peerId}`
    await b.page.goto(dmUrl.toString())
    await expect(messages(b).filter({ hasText: 'a direct message' })).toHaveAttribute('data-status', 'received')

    // meanwhile the stopped download fetched nothing more, and Ann served nothing more of it
    for (const app of [a, b]) await app.page.goto(new URL(link, app.page.url()).toString())
    await expect(largeRow).toHaveAttribute('data-state', 'failed')
    expect(await counters(largeRow)).toMatchObject({ state: 'failed', blocks: stopped.blocks, fetched: stopped.fetched })
    expect((await counters(aLargeRow)).served).toBe(servedAtStop)
    // and still no WebRTC connection carries anything between them
    expect(await selectedPaths(a.page)).toEqual([])
    expect(await selectedPaths(b.page)).toEqual([])

    // both offices open up (UDP allowed out): once a direct connection comes up, the download resumes by itself and completes
    const opened = Date.now()
    for (const home of HOMES) await lab.net.exec(lab.net.homes.get(home.name)!.routerPid, 'iptables', '-I', 'FORWARD', '1', '-i', 'lan0', '-j', 'ACCEPT')
    await expect(largeRow).toHaveAttribute('data-save', 'saved', { timeout: 90_000 })
    figures.resumedMs = Date.now() - opened
    expect(await opfsSha256(b.page, large.name)).toBe(large.sha256)
    expect((await counters(largeRow)).fetched).toBe(65)
    expect(await selectedPaths(b.page, lab.relays.map(r => r.address))).not.toEqual([])
  } finally {
    for (const browser of browsers) await browser.close().catch(() => {})
  }
})
