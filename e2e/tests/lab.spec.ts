/**
 * The NAT lab: browsers in home networks behind different NATs (e2e/lab), the
 * app over https, relays over wss, coturn for STUN/TURN. For each pair of
 * homes two browsers meet in a room; the test measures how long chat takes to
 * arrive, which ICE path the direct WebRTC connection takes (host/srflx, or a
 * TURN relay when only TURN can connect them), a 16 MiB download and a DM.
 * Prints a table and writes it to test-results/nat-lab.json.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import type { Browser, BrowserContext } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { openApp, type AppPage } from '../support/app.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { fileRow, makeFile, MiB, opfsSha256, saveToOpfs, shareFiles, type TestFile } from '../support/files.js'
import { labContext, launchIn, selectedPaths, type CandidatePath } from '../lab/browsers.js'
import { startLab, type Lab } from '../lab/lab.js'
import type { HomeSpec } from '../lab/netlab.js'

const HOMES: HomeSpec[] = [
  { name: 'cone-1', nat: 'cone', hosts: ['cone-1'] },
  { name: 'cone-2', nat: 'cone', hosts: ['cone-2'] },
  { name: 'symmetric-1', nat: 'symmetric', hosts: ['symmetric-1'] },
  { name: 'symmetric-2', nat: 'symmetric', hosts: ['symmetric-2'] },
  { name: 'udp-blocked', nat: 'udp-blocked', hosts: ['udp-blocked'] },
  { name: 'lan', nat: 'cone', hosts: ['lan-a', 'lan-b'] }
]

/** How the two browsers' WebRTC connection must go. */
type Expected = 'direct' | 'turn' | 'lan'

interface Pair {
  name: string
  a: string
  b: string
  expected: Expected
}

const PAIRS: Pair[] = [
  { name: 'cone ↔ cone', a: 'cone-1', b: 'cone-2', expected: 'direct' }
]

const FILE_SIZE = 16 * MiB
const TRANSFER_TIMEOUT = 180_000

interface Row {
  pair: string
  path: string
  candidates: string
  toConnectedMs: number
  firstMessageMs: number
  chatLatencyMs: number
  fileMBps: number
  dm: boolean
}

const rows: Row[] = []
let lab: Lab
let file: TestFile

test.describe.configure({ mode: 'serial' })

test.beforeAll(async () => {
  test.setTimeout(120_000)
  lab = await startLab(HOMES)
  file = await makeFile(FILE_SIZE, 'lab-16MiB.bin')
})

test.afterAll(async () => {
  await lab?.down()
  if (rows.length === 0) return
  const table = ['pair | path | candidates | to direct/TURN | first message | chat latency | 16 MiB file', ...rows.map(r =>
    `${r.pair} | ${r.path} | ${r.candidates} | ${r.toConnectedMs} ms | ${r.firstMessageMs} ms | ${r.chatLatencyMs} ms | ${r.fileMBps.toFixed(2)} MB/s`)]
  console.log(`\nNAT lab\n${table.join('\n')}\n`)
  await mkdir('test-results', { recursive: true })
  await writeFile('test-results/nat-lab.json', JSON.stringify(rows, null, 2))
})

for (const pair of PAIRS) {
  test(`NAT lab ${pair.name}: chat, ${pair.expected === 'turn' ? 'WebRTC through TURN' : pair.expected === 'lan' ? 'WebRTC over host candidates' : 'direct WebRTC (hole punched)'}, 16 MiB file, DM`, async () => {
    test.setTimeout(300_000)
    const browsers: Browser[] = []
    try {
      const relayUrls = lab.relays.map(r => r.infoUrl)
      const relayAddresses = lab.relays.map(r => r.address)
      const iceServers = lab.turn.iceServers()
      const open = async (host: string, name: string, fragment = '', setup?: (c: BrowserContext) => Promise<void>): Promise<AppPage> => {
        const browser = await launchIn(lab.net.host(host), lab.spki)
        browsers.push(browser)
        const context = await labContext(browser, lab.origin, iceServers)
        await setup?.(context)
        const app = await openApp(context, relayUrls, name, lab.origin, fragment)
        return app
      }

      const a = await open(pair.a, 'Ann')
      await setName(a, 'Ann')
      // over wss, through Ann's NAT
      for (const relay of lab.relays) await a.waitReserved(relay.peerId)
      const link = await createRoom(a)

      // Bob opens the link; Ann writes at once: how long until Bob reads it
      const t0 = Date.now()
      const b = await open(pair.b, 'Bob', link, saveToOpfs)
      await setName(b, 'Bob')
      await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online', { timeout: 120_000 })
      await send(a, 'hello from Ann')
      await expect(messages(b).filter({ hasText: 'hello from Ann' })).toBeVisible({ timeout: 120_000 })
      const firstMessageMs = Date.now() - t0

      // the members' link becomes direct WebRTC
      await expect(member(a, b.peerId)).toHaveAttribute('data-link', 'direct', { timeout: 120_000 })
      await expect(member(b, a.peerId)).toHaveAttribute('data-link', 'direct', { timeout: 120_000 })
      const toConnectedMs = Date.now() - t0

      // which ICE candidate pair carries it: what was asked for, or fail with what was found
      let paths: CandidatePath[] = []
      const ok = (p: CandidatePath[]): boolean => p.length > 0 && p.every(x => pair.expected === 'turn'
        ? x.local === 'relay' || x.remote === 'relay'
        : pair.expected === 'lan' ? x.local === 'host' && x.remote === 'host' : x.local !== 'relay' && x.remote !== 'relay')
      await expect.poll(async () => {
        paths = await selectedPaths(a.page, relayAddresses)
        return ok(paths) ? 'as expected' : JSON.stringify(paths)
      }, { message: `selected ICE candidate pair (${pair.expected})`, timeout: 30_000 }).toBe('as expected')
      const bPaths = await selectedPaths(b.page, relayAddresses)
      expect(ok(bPaths), JSON.stringify(bPaths)).toBe(true)

      // steady chat latency, Bob → Ann
      const sent = Date.now()
      await send(b, 'reply from Bob')
      await expect(messages(a).filter({ hasText: 'reply from Bob' })).toBeVisible()
      const chatLatencyMs = Date.now() - sent

      // a 16 MiB file shared by Ann, downloaded by Bob, hash-exact
      await shareFiles(a, [file.path])
      await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
      const bRow = fileRow(b, file.name)
      await expect(bRow).toHaveAttribute('data-state', 'available')
      const started = Date.now()
      await bRow.getByRole('link', { name: `Download ${file.name}` }).click()
      await expect(bRow).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
      const fileMs = Date.now() - started
      expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)

      // a direct message, Ann → Bob
      await member(a, b.peerId).getByRole('button', { name: 'Message' }).click()
      await send(a, 'a direct message')
      await expect(messages(a).filter({ hasText: 'a direct message' })).toHaveAttribute('data-status', 'delivered')
      const dmUrl = new URL(b.page.url())
      dmUrl.hash = `/dm/${a.peerId}`
      await b.page.goto(dmUrl.toString())
      await expect(messages(b).filter({ hasText: 'a direct message' })).toHaveAttribute('data-status', 'received')

      const p = paths[0]!
      rows.push({
        pair: pair.name,
        path: p.local === 'relay' || p.remote === 'relay' ? `TURN (${p.relayProtocol ?? 'remote side'})` : `${p.local} ↔ ${p.remote}`,
        candidates: `${p.local} ${p.localAddress} → ${p.remote} ${p.remoteAddress}`,
        toConnectedMs,
        firstMessageMs,
        chatLatencyMs,
        fileMBps: FILE_SIZE / 1e6 / (fileMs / 1000),
        dm: true
      })
    } finally {
      for (const browser of browsers) await browser.close().catch(() => {})
    }
  })
}
