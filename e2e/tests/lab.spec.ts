/**
 * The NAT lab: browsers in home networks behind different NATs (e2e/lab), the
 * app over https, relays over wss, coturn for STUN/TURN. For each pair of
 * homes two browsers meet in a room; the test measures how long chat takes to
 * arrive, which ICE path the direct WebRTC connection takes (host/srflx, or a
 * TURN relay when only TURN can connect them), a 16 MiB download and a DM.
 * Prints a table and writes it to test-results/nat-lab.json.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { openApp, openView, type AppPage } from '../support/app.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { joinCall, receivesMediaFrom, startCall } from '../support/calls.js'
import { fileRow, makeFile, MiB, opfsSha256, saveToOpfs, shareFiles, type TestFile } from '../support/files.js'
import { labContext, launchIn, selectedPaths, type CandidatePath } from '../lab/browsers.js'
import { LAB_HOMES, startLab, type Lab } from '../lab/lab.js'


/** How the two browsers' WebRTC connection must go. */
type Expected = 'direct' | 'turn' | 'lan'

interface Pair {
  name: string
  a: string
  b: string
  expected: Expected
  /** A failure found by this lab and not yet fixed: its steps are measured and reported, and fail the test only with PEERLINK_LAB_STRICT=1. */
  knownIssue?: string
}

const PAIRS: Pair[] = [
  { name: 'cone ↔ cone', a: 'cone-1', b: 'cone-2', expected: 'direct' },
  { name: 'cone ↔ symmetric', a: 'cone-1', b: 'symmetric-1', expected: 'turn' },
  { name: 'symmetric ↔ symmetric', a: 'symmetric-1', b: 'symmetric-2', expected: 'turn' },
  { name: 'UDP blocked ↔ cone', a: 'udp-blocked', b: 'cone-2', expected: 'turn' },
  { name: 'one LAN, two browsers', a: 'lan-a', b: 'lan-b', expected: 'lan' }
]

const STRICT = process.env.PEERLINK_LAB_STRICT === '1'

const FILE_SIZE = 16 * MiB
/** 16 MiB at 0.4 MB/s: ten times slower than the WebRTC paths measured here (3–7 MB/s), and than 16 MiB can cross the circuit relay's limits */
const TRANSFER_TIMEOUT = 45_000
/** The table, written when the lab ends. */
const RESULTS = 'test-results/nat-lab.json'
/** Each pair's row, kept across worker restarts (a failed test restarts the worker, and with it the lab): one file per run of the runner, the workers' parent. */
const ROWS = join(tmpdir(), `peerlink-nat-lab-${process.ppid}.json`)

interface Row {
  pair: string
  outcome: 'passed' | 'failed'
  error?: string
  path: string
  candidates: string
  toConnectedMs: number
  firstMessageMs: number
  /** Where the first message's time went: Bob's page showing his ID, then Ann seeing him online (ms after opening). */
  appReadyMs: number
  seenOnlineMs: number
  chatLatencyMs: number
  fileMBps: number
  dm: boolean
  /** A call decoded video and audio both ways. */
  call: boolean
  /** ICE servers the browsers' WebRTC connections were given (from /relay.json). */
  iceServers: string[]
  /** Steps that failed with a known issue (not failing the test unless PEERLINK_LAB_STRICT=1). */
  knownIssue?: string
}

let lab: Lab
let file: TestFile
/** What the running test measured so far (recorded, with the outcome, after it ends). */
let current: Partial<Row> = {}

/** The rows of this run: workers are restarted by the same runner process, which is their parent. */
async function readRows (): Promise<Row[]> {
  try {
    return JSON.parse(await readFile(ROWS, 'utf8')) as Row[]
  } catch {
    return []
  }
}

const ms = (n: number | undefined): string => n == null ? '–' : `${n} ms`

test.beforeAll(async () => {
  test.setTimeout(120_000)
  lab = await startLab(LAB_HOMES)
  file = await makeFile(FILE_SIZE, 'lab-16MiB.bin')
})

// eslint-disable-next-line no-empty-pattern -- Playwright's hooks take fixtures by destructuring
test.afterEach(async ({}, info) => {
  const row = { ...current, outcome: info.status === info.expectedStatus && info.status === 'passed' ? 'passed' : 'failed', ...(info.error?.message != null ? { error: info.error.message.split('\n')[0] } : {}) } as Row
  current = {}
  const rows = (await readRows()).filter(r => r.pair !== row.pair)
  rows.push(row)
  await writeFile(ROWS, JSON.stringify(rows))
})

test.afterAll(async () => {
  await lab?.down()
  const rows = await readRows()
  const table = ['pair | outcome | path | candidates | to direct/TURN | first message (page ready, seen online) | chat latency | DM | 16 MiB file | call | known issue', ...rows.map(r =>
    `${r.pair} | ${r.outcome} | ${r.path ?? '–'} | ${r.candidates ?? '–'} | ${ms(r.toConnectedMs)} | ${ms(r.firstMessageMs)} (${ms(r.appReadyMs)}, ${ms(r.seenOnlineMs)}) | ${ms(r.chatLatencyMs)} | ${r.dm === true ? 'delivered' : '–'} | ${r.fileMBps != null ? `${r.fileMBps.toFixed(2)} MB/s` : '–'} | ${r.call === true ? 'video both ways' : '–'} | ${r.knownIssue ?? ''}`)]
  const firsts = rows.map(r => r.firstMessageMs).filter(n => n != null).sort((x, y) => x - y)
  const p50 = firsts.length === 0 ? undefined : firsts.length % 2 === 1 ? firsts[(firsts.length - 1) / 2] : Math.round((firsts[firsts.length / 2 - 1]! + firsts[firsts.length / 2]!) / 2)
  console.log(`\nNAT lab (${RESULTS})\n${table.join('\n')}\nfirst message after opening the link: p50 ${ms(p50)} over ${firsts.length} pairs\n`)
  await mkdir('test-results', { recursive: true })
  await writeFile(RESULTS, JSON.stringify(rows, null, 2))
})

for (const pair of PAIRS) {
  test(`NAT lab ${pair.name}: chat, ${pair.expected === 'turn' ? 'WebRTC through TURN' : pair.expected === 'lan' ? 'WebRTC over host candidates' : 'direct WebRTC (hole punched)'}, 16 MiB file, DM`, async () => {
    test.setTimeout(300_000)
    const browsers: Browser[] = []
    current = { pair: pair.name }
    try {
      const relayUrls = lab.relays.map(r => r.infoUrl)
      const relayAddresses = lab.relays.map(r => r.address)
      /** When the last `open` navigated to the app (its browser was already running). */
      let opening = 0
      const open = async (host: string, name: string, fragment = '', setup?: (c: BrowserContext) => Promise<void>): Promise<AppPage> => {
        const browser = await launchIn(lab.net.host(host), lab.spki)
        browsers.push(browser)
        const context = await labContext(browser, lab.origin)
        await setup?.(context)
        opening = Date.now()
        const app = await openApp(context, relayUrls, name, lab.origin, fragment)
        return app
      }

      const a = await open(pair.a, 'Ann')
      await setName(a, 'Ann')
      // over wss, through Ann's NAT
      for (const relay of lab.relays) await a.waitReserved(relay.peerId)
      const link = await createRoom(a)

      // Bob opens the link (his browser is running); Ann writes as soon as she sees him: how long until Bob reads it
      const b = await open(pair.b, 'Bob', link, saveToOpfs)
      const t0 = opening
      current.appReadyMs = Date.now() - t0
      await setName(b, 'Bob')
      await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online', { timeout: 120_000 })
      current.seenOnlineMs = Date.now() - t0
      await send(a, 'hello from Ann')
      await expect(messages(b).filter({ hasText: 'hello from Ann' })).toBeVisible({ timeout: 120_000 })
      const firstMessageMs = Date.now() - t0
      current.firstMessageMs = firstMessageMs

      // the members' link becomes WebRTC, and the member list says which way it goes: direct, or through TURN
      const path = pair.expected === 'turn' ? 'turn' : 'direct'
      await expect(member(a, b.peerId)).toHaveAttribute('data-link', path, { timeout: 120_000 })
      await expect(member(b, a.peerId)).toHaveAttribute('data-link', path, { timeout: 120_000 })
      const toConnectedMs = Date.now() - t0
      current.toConnectedMs = toConnectedMs

      // which ICE candidate pair carries it: what was asked for, or fail with what was found
      let paths: CandidatePath[] = []
      const ok = (p: CandidatePath[]): boolean => p.length > 0 && p.every(x => pair.expected === 'turn'
        ? x.local === 'relay' || x.remote === 'relay'
        // on one LAN: our host address to theirs (peer-reflexive when their check arrived before their candidate; Chromium hides its address)
        : pair.expected === 'lan' ? x.local === 'host' && (x.remote === 'host' || x.remote === 'prflx') : x.local !== 'relay' && x.remote !== 'relay')
      await expect.poll(async () => {
        paths = await selectedPaths(a.page, relayAddresses)
        return ok(paths) ? 'as expected' : JSON.stringify(paths)
      }, { message: `selected ICE candidate pair (${pair.expected})`, timeout: 30_000 }).toBe('as expected')
      const p = paths[0]!
      current.path = p.local === 'relay' || p.remote === 'relay' ? `TURN (${p.relayProtocol ?? 'remote side'})` : `${p.local} ↔ ${p.remote}`
      current.candidates = `${p.local} ${p.localAddress} → ${p.remote} ${p.remoteAddress}`
      // Bob's side too (ICE may nominate a TURN pair first and move to a direct one once its checks succeed)
      let bPaths: CandidatePath[] = []
      await expect.poll(async () => {
        bPaths = await selectedPaths(b.page, relayAddresses)
        return ok(bPaths) ? 'as expected' : JSON.stringify(bPaths)
      }, { message: `Bob's selected ICE candidate pair (${pair.expected})`, timeout: 30_000 }).toBe('as expected')
      // the app's own reading of the pair (member list, Diagnostics) agrees with the page's getStats
      for (const [app, other] of [[a, b], [b, a]] as const) {
        await expect(member(app, other.peerId)).toHaveAttribute('data-link', path)
        const room = new URL(app.page.url()).hash
        await openView(app.page, 'diagnostics')
        const item = app.peerItem(other.peerId)
        await expect(item).toHaveAttribute('data-path', path)
        await expect(item).toContainText(path === 'turn' ? 'Through a TURN server' : 'Direct:')
        // the connection the app uses is one of those getStats shows (two browsers may hold more than one), read
        // at the same moment: ICE may move a connection to another pair (a TURN pair to the peer's relay candidate
        // or to its reflexive one) after the pairs above were read
        const shown = item.getByRole('definition').filter({ hasText: '→' })
        await expect.poll(async () => {
          const app_ = (await shown.textContent())?.trim() ?? ''
          const seen = (await selectedPaths(app.page, relayAddresses)).map(q => `${q.local} → ${q.remote}`)
          return seen.includes(app_) ? 'one of getStats\' pairs' : `the app shows ${app_}, getStats ${seen.join(', ')}`
        }, { message: 'the app\'s ICE candidates' }).toBe('one of getStats\' pairs')
        await app.page.evaluate((hash) => { location.hash = hash }, room)
        await expect(app.page.getByRole('log', { name: 'Messages' })).toBeVisible()
      }
      // the app gave its WebRTC the STUN and TURN servers the relays advertise in /relay.json
      current.iceServers = p.iceServers
      for (const x of [...paths, ...bPaths]) {
        expect(x.iceServers).toContain(`stun:${lab.turn.address}:3478`)
        expect(x.iceServers).toContain(`turn:${lab.turn.address}:3478?transport=tcp`)
      }

      // steady chat latency, Bob → Ann
      const sent = Date.now()
      await send(b, 'reply from Bob')
      await expect(messages(a).filter({ hasText: 'reply from Bob' })).toBeVisible()
      const chatLatencyMs = Date.now() - sent
      current.chatLatencyMs = chatLatencyMs

      // with a known issue, the remaining steps are measured and reported; they fail the test only when strict
      const known = async (step: () => Promise<void>): Promise<void> => {
        if (pair.knownIssue == null || STRICT) return step()
        try {
          await step()
        } catch (err) {
          current.knownIssue = [current.knownIssue ?? pair.knownIssue, (err as Error).message.split('\n')[0]].join(' | ')
          test.info().annotations.push({ type: 'known issue', description: current.knownIssue })
        }
      }
      await known(async () => {
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
        current.fileMBps = FILE_SIZE / 1e6 / (fileMs / 1000)
      })
      // a call: video and audio decoded both ways, over the same kind of path
      await known(async () => {
        await startCall(a)
        await joinCall(b)
        await receivesMediaFrom(a, b.peerId)
        await receivesMediaFrom(b, a.peerId)
        current.call = true
      })
      await known(async () => {
        // a direct message, Ann → Bob
        await member(a, b.peerId).getByRole('button', { name: 'Message' }).click()
        await send(a, 'a direct message')
        await expect(messages(a).filter({ hasText: 'a direct message' })).toHaveAttribute('data-status', 'delivered')
        const dmUrl = new URL(b.page.url())
        dmUrl.hash = `/dm/${a.peerId}`
        await b.page.goto(dmUrl.toString())
        await expect(messages(b).filter({ hasText: 'a direct message' })).toHaveAttribute('data-status', 'received')
        current.dm = true
      })
      // coturn relayed every packet it was given: a failed send (e.g. to a peer it has no route to) makes it close the
      // allocation under the connection, which is how the TURN pairs stalled before the lab's coturn refused private peers
      expect(lab.turn.output()).not.toContain('udp send:')
    } finally {
      for (const browser of browsers) await browser.close().catch(() => {})
    }
  })
}
