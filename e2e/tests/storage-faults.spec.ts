import { fileLink, MemoryChunkStore, type Peerlink } from '@peerlink/core'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp } from '../support/app.js'
import { counters, idbKeys, makeFile, MiB, namedFile, nodePeer, opfsSha256, rowOf, saveToOpfs, sha256, shareFiles } from '../support/files.js'
import { limitQuota, type QuotaLimit } from '../support/storage.js'

const STORAGE_FULL = /Storage is full/

test('a download into a full storage stops saying "Storage is full" and what to do; with room again, Resume completes it exactly', async ({ browser }) => {
  const relay = await startRelay(['--circuit-data-limit', '0'])
  let seeder: Peerlink | undefined
  try {
    seeder = await nodePeer(relay.infoUrl, new MemoryChunkStore())
    const bytes = (await makeFile(8 * MiB, 'full.bin')).bytes
    const { status, link } = await seeder.shareFile(namedFile(bytes, 'full.bin'))

    // the app itself stores about 1.6 MB (its cached shell, identity…): room for about half the file
    let quota: QuotaLimit | undefined
    const b = await openApp(browser, [relay.infoUrl], 'Bob', undefined, fileLink('', link), async (context) => {
      await saveToOpfs(context)
      quota = await limitQuota(context, 6 * MiB)
    })
    const row = rowOf(b, status.cid)
    await expect(row).toHaveAttribute('data-state', 'failed', { timeout: 60_000 })
    const alert = row.getByRole('alert')
    await expect(alert).toContainText(STORAGE_FULL)
    await expect(alert).toContainText('browser\'s site settings')
    await expect(alert).toContainText('Resume')
    // half a file is not shown as a file: no "Delete" of a held file, the progress bar stays short of the size
    const stopped = await counters(row)
    expect(stopped.blocks).toBeGreaterThan(0)
    expect(stopped.blocks).toBeLessThan(stopped.totalBlocks)
    await expect(row.getByRole('progressbar', { name: 'full.bin' })).toBeVisible()
    await expect(row.getByRole('button', { name: 'Delete' })).toHaveCount(0)

    await quota?.set(1024 * MiB)
    await row.getByRole('button', { name: 'Resume' }).click()
    await expect(row).toHaveAttribute('data-state', 'complete', { timeout: 60_000 })
    await expect(row.getByRole('alert')).toHaveCount(0)
    const done = await counters(row)
    // what was stored before the storage filled up is kept, and not fetched again
    expect(done.skipped).toBe(stopped.blocks)
    expect(done.skipped + done.fetched).toBe(done.totalBlocks)
    await row.getByRole('link', { name: 'Download full.bin' }).click()
    await expect(row).toHaveAttribute('data-save', 'saved')
    expect(await opfsSha256(b.page, 'full.bin')).toBe(sha256(bytes))
  } finally {
    await seeder?.stop()
    await relay.stop()
  }
})

test('sharing into a full storage says "Storage is full", keeps nothing half written, and shares once there is room', async ({ browser }) => {
  const relay = await startRelay()
  try {
    let quota: QuotaLimit | undefined
    const a = await openApp(browser, [relay.infoUrl], 'Ann', undefined, '', async (context) => { quota = await limitQuota(context, 4 * MiB) })
    const file = await makeFile(6 * MiB, 'too big.bin')
    await shareFiles(a, [file.path])
    const files = a.page.getByRole('list', { name: 'Files' })
    await expect(a.page.getByRole('alert').filter({ hasText: STORAGE_FULL })).toContainText('too big.bin was not shared')
    await expect(files.locator('.file-row')).toHaveCount(0)
    // the blocks stored before the quota was reached are deleted again
    await expect.poll(async () => idbKeys(a.page, 'peerlink-files', 'blocks')).toEqual([])

    await quota?.set(1024 * MiB)
    await shareFiles(a, [file.path])
    await expect(files.locator('.file-row')).toHaveCount(1)
    await expect(files.locator('.file-row')).toHaveAttribute('data-state', 'complete')
    await expect(a.page.getByRole('alert').filter({ hasText: STORAGE_FULL })).toHaveCount(0)
  } finally {
    await relay.stop()
  }
})
