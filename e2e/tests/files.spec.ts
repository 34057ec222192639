import { fileLink, parseFileLink, type Peerlink } from '@peerlink/core'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { appUrl, openApp } from '../support/app.js'
import { createRoom, member, messages, setName } from '../support/chat.js'
import {
  controlled, counters, fileRow, joinRoom, LyingChunkStore, makeFile, MiB, namedFile, nodePeer, opfsSha256, rowOf,
  saveToOpfs, sha256, sha256OfFile, shareFiles, SlowChunkStore, withoutSavePicker
} from '../support/files.js'

/** Downloads here take longer than the default expect timeout on a slow machine. */
const TRANSFER_TIMEOUT = 120_000

test('a 32 MiB file shared in a room: B saves it through the File System Access API, C (without it) downloads it from A and B at once through the service worker; both copies are exact', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const file = await makeFile(32 * MiB, 'big file é.bin')
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await joinRoom(browser, [relay.infoUrl], link, 'Bob', saveToOpfs)
    const c = await joinRoom(browser, [relay.infoUrl], link, 'Cid', withoutSavePicker)
    for (const app of [b, c]) await expect(member(a, app.peerId)).toHaveAttribute('data-state', 'online')

    // A shares from the room's composer: a message carrying the file appears for everyone
    await shareFiles(a, [file.path])
    const aRow = fileRow(a, file.name)
    await expect(aRow).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    await expect(aRow).toHaveAttribute('data-direction', 'share')
    const cid = await aRow.getAttribute('data-cid')
    expect(cid).toMatch(/^bafy/)
    await expect(messages(a).filter({ has: aRow })).toHaveAttribute('data-author', a.peerId)

    // B clicks "Download <name>": it picks where to save, the download runs, the file is written as it completes
    const bRow = fileRow(b, file.name)
    await expect(bRow).toHaveAttribute('data-state', 'available')
    await bRow.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(bRow).toHaveAttribute('data-state', /resolving|downloading|complete/)
    await expect(bRow).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    const bDone = await counters(bRow)
    expect(bDone).toMatchObject({ state: 'complete', duplicates: 0, rejected: {} })
    expect(bDone.fetched).toBe(bDone.totalBlocks)
    // the copy link names a peer that holds the file
    await bRow.getByRole('button', { name: 'Copy file link' }).click()
    const bLink = await b.page.evaluate(async () => navigator.clipboard.readText())
    expect(bLink).toContain(`#/f/${cid}/`)
    expect(bLink).toContain(b.peerId)

    // C swarms only over direct connections (a relayed one cannot carry a file): have both before it starts
    for (const holder of [a, b]) await expect(member(c, holder.peerId)).toHaveAttribute('data-link', 'direct', { timeout: 60_000 })

    // C has no File System Access API: the click starts the download, and when it completes
    // the browser downloads the service worker's stream of the stored file
    await controlled(c.page)
    const cRow = fileRow(c, file.name)
    const download = c.page.waitForEvent('download', { timeout: TRANSFER_TIMEOUT })
    await cRow.getByRole('link', { name: `Download ${file.name}` }).click()
    const saved = await download
    expect(saved.suggestedFilename()).toBe(file.name)
    expect(await sha256OfFile(await saved.path())).toBe(file.sha256)

    // swarming: C got blocks from both A and B, and both counted what they served
    const cDone = await counters(cRow)
    // (the endgame may ask both for the last few blocks: a few duplicates are possible here, unlike after a reload)
    expect(cDone).toMatchObject({ state: 'complete', rejected: {} })
    expect(cDone.duplicates).toBeLessThanOrEqual(16)
    expect(cDone.fetched).toBe(cDone.totalBlocks)
    expect(cDone.sources[a.peerId]).toBeGreaterThan(0)
    expect(cDone.sources[b.peerId]).toBeGreaterThan(0)
    await expect.poll(async () => (await counters(aRow)).served).toBeGreaterThan(0)
    await expect.poll(async () => (await counters(bRow)).served).toBeGreaterThan(0)

    // the service worker's files route answers ranges (for media players), refuses bad ones, and says what it lacks
    const href = await cRow.getByRole('link', { name: `Download ${file.name}` }).getAttribute('href')
    expect(href).toBe(`files/${cid}/${encodeURIComponent(file.name)}?download=1`)
    const answers = await c.page.evaluate(async ({ href, cid }) => {
      const base = href.split('?')[0]!
      const range = await fetch(base, { headers: { Range: 'bytes=1000000-1000099' } })
      const tail = await fetch(base, { headers: { Range: 'bytes=-5' } })
      const beyond = await fetch(base, { headers: { Range: 'bytes=99999999999-' } })
      const head = await fetch(base, { method: 'HEAD' })
      const unknown = await fetch(`files/${cid.slice(0, -4)}aaaa/x.bin`)
      return {
        range: { status: range.status, contentRange: range.headers.get('Content-Range'), bytes: Array.from(new Uint8Array(await range.arrayBuffer())) },
        tail: Array.from(new Uint8Array(await tail.arrayBuffer())),
        beyond: { status: beyond.status, contentRange: beyond.headers.get('Content-Range') },
        head: { status: head.status, length: head.headers.get('Content-Length'), type: head.headers.get('Content-Type'), disposition: head.headers.get('Content-Disposition') },
        unknown: { status: unknown.status, text: await unknown.text() }
      }
    }, { href: href!, cid: cid! })
    expect(answers.range).toEqual({ status: 206, contentRange: `bytes 1000000-1000099/${file.bytes.byteLength}`, bytes: Array.from(file.bytes.subarray(1_000_000, 1_000_100)) })
    expect(answers.tail).toEqual(Array.from(file.bytes.subarray(-5)))
    expect(answers.beyond).toEqual({ status: 416, contentRange: `bytes */${file.bytes.byteLength}` })
    expect(answers.head).toMatchObject({ status: 200, length: String(file.bytes.byteLength) })
    expect(answers.head.disposition).toContain("filename*=UTF-8''big%20file%20%C3%A9.bin")
    expect(answers.unknown.status).toBe(404)
    expect(answers.unknown.text).toContain('not in this browser')

    // storage use is shown
    await expect(c.page.getByLabel('Storage')).toContainText('used')
  } finally {
    await relay.stop()
  }
})

test('a download resumes after a reload: blocks already stored are never fetched again', async ({ browser }) => {
  const relay = await startRelay(['--circuit-data-limit', '0'])
  let seeder: Peerlink | undefined
  try {
    // a slow provider (one block every 80 ms) so the reload lands mid-download
    seeder = await nodePeer(relay.infoUrl, new SlowChunkStore(80))
    const bytes = (await makeFile(12 * MiB, 'resume.bin')).bytes
    const { status, link } = await seeder.shareFile(namedFile(bytes, 'resume.bin'))
    const fragment = fileLink('', link)

    const c = await openApp(browser, [relay.infoUrl], 'Cid', undefined, fragment, saveToOpfs)
    const row = rowOf(c, status.cid)
    // the name shows as soon as the manifest is in; the progress bar is labelled with it
    await expect(row.getByRole('link', { name: 'Download resume.bin' })).toBeVisible()
    const bar = row.getByRole('progressbar', { name: 'resume.bin' })
    await expect(bar).toHaveAttribute('aria-valuemax', String(bytes.byteLength))
    await expect(row.getByRole('button', { name: 'Pause' })).toBeVisible()
    await expect(row.getByRole('button', { name: 'Cancel' })).toBeVisible()
    await expect.poll(async () => {
      const n = await counters(row)
      return n.totalBlocks > 0 ? n.blocks / n.totalBlocks : 0
    }, { timeout: TRANSFER_TIMEOUT, intervals: [100] }).toBeGreaterThan(0.3)
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0)
    // pause keeps what was fetched; resume goes on
    await row.getByRole('button', { name: 'Pause' }).click()
    await expect(row).toHaveAttribute('data-state', 'paused')
    await row.getByRole('button', { name: 'Resume' }).click()
    await expect(row).toHaveAttribute('data-state', 'downloading')
    const before = await counters(row)
    expect(before.blocks).toBeLessThan(before.totalBlocks)

    // reload to the first screen: nothing but the stored transfer asks for the file again
    await c.page.goto(appUrl([relay.infoUrl]))
    const resumed = c.page.getByRole('list', { name: 'Files' }).locator(`.file-row[data-cid="${status.cid}"]`)
    await expect(resumed).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    const after = await counters(resumed)
    expect(after.duplicates).toBe(0)
    expect(after.skipped).toBeGreaterThan(0)
    expect(after.skipped + after.fetched).toBe(after.totalBlocks)

    await resumed.getByRole('link', { name: 'Download resume.bin' }).click()
    await expect(resumed).toHaveAttribute('data-save', 'saved')
    expect(await opfsSha256(c.page, 'resume.bin')).toBe(sha256(bytes))
  } finally {
    await seeder?.stop()
    await relay.stop()
  }
})

test('a peer serving corrupted blocks is detected and dropped; the file completes from the honest peer, exactly', async ({ browser }) => {
  const relay = await startRelay(['--circuit-data-limit', '0'])
  let liar: Peerlink | undefined
  try {
    const file = await makeFile(8 * MiB, 'honest.bin')
    // the honest browser A sends the file from the first screen (no room), and copies its link
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    const chooser = a.page.waitForEvent('filechooser')
    await a.page.getByRole('button', { name: 'Send files' }).click()
    await (await chooser).setFiles({ name: file.name, mimeType: 'application/octet-stream', buffer: file.bytes })
    const aRow = fileRow(a, file.name)
    await expect(aRow).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    const cid = (await aRow.getAttribute('data-cid'))!
    await aRow.getByRole('button', { name: 'Copy file link' }).click()
    const aLink = await a.page.evaluate(async () => navigator.clipboard.readText())

    // the liar shares the same bytes under the same key: the same CID, but it corrupts every leaf it sends
    const key = parseFileLink(aLink).key
    liar = await nodePeer(relay.infoUrl, new LyingChunkStore())
    const shared = await liar.shareFile(namedFile(file.bytes, file.name), { key })
    expect(shared.status.cid).toBe(cid)

    const fragment = fileLink('', { cid, key, hints: [liar.peerId, a.peerId] })
    const b = await openApp(browser, [relay.infoUrl], 'Bob', undefined, fragment, saveToOpfs)
    const row = rowOf(b, cid)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    const done = await counters(row)
    expect(done.state).toBe('complete')
    expect(Object.keys(done.rejected)).toContain(liar.peerId)
    expect(done.sources[a.peerId]).toBeGreaterThan(0)
  } finally {
    await liar?.stop()
    await relay.stop()
  }
})

test('a fresh browser with only a file link (no peer hints) finds the provider through the relay DHT and downloads the file; a malformed link says what is wrong', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const file = await makeFile(4 * MiB + 777, 'no-room.bin')
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await shareFiles(a, [file.path])
    const aRow = fileRow(a, file.name)
    await expect(aRow).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    await aRow.getByRole('button', { name: 'Copy file link' }).click()
    const aLink = await a.page.evaluate(async () => navigator.clipboard.readText())
    expect(aLink).toContain(`?p=${a.peerId}`)
    const bare = new URL(aLink).hash.replace(/\?.*$/, '')

    const c = await openApp(browser, [relay.infoUrl], 'Cid', undefined, '#/f/not-a-cid/abc', saveToOpfs)
    await expect(c.page.getByRole('alert').filter({ hasText: 'Invalid file link' })).toBeVisible()

    await c.page.goto(appUrl([relay.infoUrl]) + bare)
    const row = c.page.locator(`.file-row[data-cid="${await aRow.getAttribute('data-cid')}"]`)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(c.page, file.name)).toBe(file.sha256)
    expect((await counters(row)).sources[a.peerId]).toBeGreaterThan(0)
  } finally {
    await relay.stop()
  }
})
