import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, type AppPage } from '../support/app.js'
import { createRoom, member, messages, setName } from '../support/chat.js'
import {
  controlled, counters, dragPathsOnto, dropFiles, fileRow, hidePage, idbKeys, joinRoom, limitUploads, makeFile, MiB, notificationsShown,
  opfsSha256, recordNotifications, routeSha256, saveToOpfs, sha256, shareFiles, type TestFile
} from '../support/files.js'

/** Downloads here take longer than the default expect timeout on a slow machine. */
const TRANSFER_TIMEOUT = 90_000

/** What a throttled sharer serves, bytes/s (the app's `?upload-limit=`): a 2 MiB file takes about ten seconds. */
const UPLOAD_LIMIT = '200k'

/** A sharer's limit for the save-while-downloading test: 32 MiB take about five seconds. */
const SAVE_UPLOAD_LIMIT = '7m'

/**
 * How far the save into OPFS file `name` has got (Chromium writes into `<name>.crswap` until the file is closed:
 * its size, 0 when there is none), then the row's state, save state and bytes stored, read in that order.
 */
async function beingSaved (page: Page, cid: string, name: string): Promise<{ written: number, state: string, save: string, stored: number }> {
  return page.evaluate(async ({ cid, name }) => {
    const root = await navigator.storage.getDirectory()
    let written = 0
    try {
      written = (await (await root.getFileHandle(`${name}.crswap`)).getFile()).size
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'NotFoundError')) throw err
    }
    const row = document.querySelector<HTMLElement>(`.file-row[data-cid="${cid}"]`)
    return { written, state: row?.dataset.state ?? '', save: row?.dataset.save ?? '', stored: Number(row?.dataset.bytes ?? 0) }
  }, { cid, name })
}

/** Ann creates a room (serving at most `uploadLimit` bytes/s if given); Bob joins it with downloads saved into OPFS. */
async function roomWithSaver (browser: Browser, relay: string, uploadLimit?: string, setupBob = saveToOpfs): Promise<{ a: AppPage, b: AppPage }> {
  const a = await openApp(browser, [relay], 'Ann')
  if (uploadLimit != null) await limitUploads(a, uploadLimit)
  await setName(a, 'Ann')
  const link = await createRoom(a)
  const b = await joinRoom(browser, [relay], link, 'Bob', setupBob)
  await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
  return { a, b }
}

/** Random bytes under `dir/relative`, with their SHA-256. */
async function fileIn (dir: string, relative: string, size: number): Promise<TestFile> {
  const made = await makeFile(size, relative.split('/').pop()!)
  const path = join(dir, relative)
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, made.bytes)
  return { ...made, path }
}

test('files and a folder dropped on a room are shared: the other member sees a row per file and downloads them exactly', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomWithSaver(browser, relay.infoUrl)
    const room = a.page.locator('section.conversation')

    // two loose files, in a DataTransfer built in the page: dragenter, dragover, drop on the room
    const one = await makeFile(300_000, 'dropped one.bin')
    const two = await makeFile(5_000, 'dropped-two.txt')
    await dropFiles(a.page, room, [one, two])

    // a folder with a nested folder, dragged by Chromium itself: its files are walked through the dropped entries
    const folder = join(await mkdtemp(join(tmpdir(), 'peerlink-drop-')), 'album')
    const top = await fileIn(folder, 'top.bin', 200_000)
    const deep = await fileIn(folder, 'nested/deep.bin', 1 * MiB + 3)
    await dragPathsOnto(a.page, room, [folder], async () => {
      // the room is highlighted while files are dragged over it
      await expect(room).toHaveClass(/\bdropping\b/)
    })
    await expect(room).not.toHaveClass(/\bdropping\b/)

    const all = [one, two, top, deep]
    for (const file of all) {
      await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
      await expect(fileRow(a, file.name)).toHaveAttribute('data-direction', 'share')
      // each file is its own message from Ann, offered to Bob
      const bRow = fileRow(b, file.name)
      await expect(bRow).toHaveAttribute('data-state', 'available')
      await expect(messages(b).filter({ has: bRow })).toHaveAttribute('data-author', a.peerId)
    }
    // one row per file, nothing for the folders themselves
    await expect(b.page.getByRole('log', { name: 'Messages' }).locator('.file-row')).toHaveCount(all.length)
    await expect(a.page.getByRole('alert')).toHaveCount(0)

    // Bob downloads a dropped file (saved through the File System Access API into OPFS) ...
    const bOne = fileRow(b, one.name)
    await bOne.getByRole('link', { name: `Download ${one.name}` }).click()
    await expect(bOne).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, one.name)).toBe(one.sha256)

    // ... and the nested one, read back through the service worker's files route
    await controlled(b.page)
    const bDeep = fileRow(b, deep.name)
    await bDeep.getByRole('link', { name: `Download ${deep.name}` }).click()
    await expect(bDeep).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    const cid = (await bDeep.getAttribute('data-cid'))!
    expect(await routeSha256(b.page, cid, deep.name)).toEqual({ status: 200, sha256: deep.sha256 })
  } finally {
    await relay.stop()
  }
})

test('"Cancel" mid-download stops it and forgets it: the row is offered again, its blocks and transfer record are gone, and a new download from the same row fetches everything again and saves the file', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomWithSaver(browser, relay.infoUrl, UPLOAD_LIMIT)
    const file = await makeFile(2 * MiB, 'cancel me.bin')
    await shareFiles(a, [file.path])
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })

    const row = fileRow(b, file.name)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-state', 'downloading')
    await expect.poll(async () => (await counters(row)).blocks, { timeout: TRANSFER_TIMEOUT, intervals: [100] }).toBeGreaterThan(1)
    const cid = (await row.getAttribute('data-cid'))!
    const mid = await counters(row)
    expect(mid.blocks).toBeLessThan(mid.totalBlocks)
    expect((await idbKeys(b.page, 'peerlink-files', 'blocks')).length).toBeGreaterThan(1)
    expect(await idbKeys(b.page, 'peerlink-transfers', 'transfers')).toContain(cid)

    await row.getByRole('button', { name: 'Cancel' }).click()
    // the row goes back to what a room offers: no progress, no transfer buttons, nothing to save
    await expect(row).toHaveAttribute('data-state', 'available')
    await expect(row).toHaveAttribute('data-save', 'idle')
    await expect(row.getByRole('progressbar')).toHaveCount(0)
    await expect(row.getByRole('button', { name: /^(Pause|Resume|Cancel)$/ })).toHaveCount(0)
    await expect(row.getByRole('alert')).toHaveCount(0)
    // and this browser holds nothing of it any more
    await expect.poll(async () => idbKeys(b.page, 'peerlink-transfers', 'transfers')).not.toContain(cid)
    await expect.poll(async () => idbKeys(b.page, 'peerlink-files', 'blocks')).toEqual([])

    // downloading again starts from nothing (every block fetched again) and completes exactly
    await controlled(b.page)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    const done = await counters(row)
    expect(done).toMatchObject({ state: 'complete', skipped: 0, duplicates: 0, rejected: {} })
    expect(done.fetched).toBe(done.totalBlocks)
    expect(await routeSha256(b.page, cid, file.name)).toEqual({ status: 200, sha256: file.sha256 })
    // the row the room shows is still the row of this file: the click also saved it where it was asked to
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: 15_000 })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
  } finally {
    await relay.stop()
  }
})

test('"Pause" and "Resume" on a row: the download waits as paused, then completes with the exact bytes', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomWithSaver(browser, relay.infoUrl, UPLOAD_LIMIT)
    const file = await makeFile(2 * MiB + 12_345, 'pause me.bin')
    await shareFiles(a, [file.path])
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })

    const row = fileRow(b, file.name)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-state', 'downloading')
    await expect.poll(async () => (await counters(row)).blocks, { timeout: TRANSFER_TIMEOUT, intervals: [100] }).toBeGreaterThan(0)

    await row.getByRole('button', { name: 'Pause' }).click()
    await expect(row).toHaveAttribute('data-state', 'paused')
    await expect(row.locator('.file-meta')).toContainText('paused')
    await expect(row.getByRole('button', { name: 'Resume' })).toBeVisible()
    await expect(row.getByRole('button', { name: 'Cancel' })).toBeVisible()
    await expect(row.getByRole('button', { name: 'Pause' })).toHaveCount(0)
    // still half way: the progress bar stays, short of the size
    const bar = row.getByRole('progressbar', { name: file.name })
    await expect(bar).toHaveAttribute('aria-valuemax', String(file.bytes.byteLength))
    const paused = await counters(row)
    expect(paused.blocks).toBeLessThan(paused.totalBlocks)
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeLessThan(file.bytes.byteLength)
    // the save into the picked file waits with the download
    await expect(row).toHaveAttribute('data-save', 'saving')
    await expect(row.locator('.file-meta')).toContainText('saving…')

    await row.getByRole('button', { name: 'Resume' }).click()
    await expect(row).toHaveAttribute('data-state', /downloading|complete/)
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    const done = await counters(row)
    expect(done).toMatchObject({ state: 'complete', duplicates: 0, rejected: {} })
    expect(done.fetched + done.skipped).toBe(done.totalBlocks)
    expect(done.sources[a.peerId]).toBe(done.fetched)
  } finally {
    await relay.stop()
  }
})

test('saving while downloading: Bob picks where to save at the click; the picked file grows before the download completes, a pause holds the save, a resume finishes it, exactly', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomWithSaver(browser, relay.infoUrl, SAVE_UPLOAD_LIMIT)
    const file = await makeFile(32 * MiB, 'saved as it arrives.bin')
    await shareFiles(a, [file.path])
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })

    const row = fileRow(b, file.name)
    const cid = (await row.getAttribute('data-cid'))!
    // the picker (OPFS here) answers at once: the save starts with the download
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    let seen = await beingSaved(b.page, cid, file.name)
    await expect.poll(async () => (seen = await beingSaved(b.page, cid, file.name)).written, { timeout: TRANSFER_TIMEOUT, intervals: [50] }).toBeGreaterThan(0)
    // bytes were on disk while the download still ran (the row's state read after the file's size)
    expect(seen).toMatchObject({ state: 'downloading', save: 'saving' })
    expect(seen.written).toBeLessThan(file.bytes.byteLength)

    await row.getByRole('button', { name: 'Pause' }).click()
    await expect(row).toHaveAttribute('data-state', 'paused')
    await expect(row).toHaveAttribute('data-save', 'saving')
    // the save waits: nothing beyond what is stored, and the file not closed (the row's count of stored bytes is
    // updated a few times a second, so a block that was on its way at the pause may show in it a moment later)
    let paused = await beingSaved(b.page, cid, file.name)
    await expect.poll(async () => {
      paused = await beingSaved(b.page, cid, file.name)
      return paused.written <= paused.stored ? 'within what is stored' : `written ${paused.written}, stored ${paused.stored}`
    }, { timeout: 5_000 }).toBe('within what is stored')
    expect(paused).toMatchObject({ state: 'paused', save: 'saving' })
    expect(paused.written).toBeLessThan(file.bytes.byteLength)

    await row.getByRole('button', { name: 'Resume' }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    await expect(row).toHaveAttribute('data-state', 'complete')
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    expect((await beingSaved(b.page, cid, file.name)).written).toBe(0) // closed: no swap file left
    await expect(row.getByRole('alert')).toHaveCount(0)
    const done = await counters(row)
    expect(done).toMatchObject({ state: 'complete', duplicates: 0, rejected: {} })
    expect(done.fetched + done.skipped).toBe(done.totalBlocks)
  } finally {
    await relay.stop()
  }
})

test('a download that completes while the page is hidden shows one notification naming the file; one completing in view shows none', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomWithSaver(browser, relay.infoUrl, undefined, async (context) => {
      await saveToOpfs(context)
      await recordNotifications(context)
    })
    await controlled(b.page)
    const seen = await makeFile(600_000, 'in view.bin')
    const unseen = await makeFile(1 * MiB, 'in the background.bin')
    await shareFiles(a, [seen.path, unseen.path])
    for (const file of [seen, unseen]) await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })

    // in view: no notification
    const seenRow = fileRow(b, seen.name)
    await seenRow.getByRole('link', { name: `Download ${seen.name}` }).click()
    await expect(seenRow).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })

    // hidden (another tab): the completion is notified
    const row = fileRow(b, unseen.name)
    await hidePage(b.page)
    await row.getByRole('link', { name: `Download ${unseen.name}` }).click()
    await expect(row).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    const cid = await row.getAttribute('data-cid')
    await expect.poll(async () => notificationsShown(b.page)).toHaveLength(1)
    const [shown] = await notificationsShown(b.page)
    expect(shown).toMatchObject({ title: 'Download complete', tag: cid })
    expect(shown?.body).toContain(unseen.name)
    expect(await opfsSha256(b.page, seen.name)).toBe(sha256(seen.bytes))
  } finally {
    await relay.stop()
  }
})
