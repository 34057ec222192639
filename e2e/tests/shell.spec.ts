import { expect, test } from '../support/test.js'
import { readFile } from 'node:fs/promises'
import { openApp, openView, readPeerId, shownPeerId } from '../support/app.js'

test('the installable shell loads offline from the service worker', async ({ browser }) => {
  const a = await openApp(browser, [], 'A')
  const manifest = await a.page.locator('link[rel="manifest"]').getAttribute('href')
  expect(manifest).not.toBeNull()
  const response = await a.page.request.get(new URL(manifest!, a.page.url()).toString())
  expect(await response.json()).toMatchObject({ name: 'Peerlink', display: 'standalone' })

  await a.page.evaluate(async () => { await navigator.serviceWorker.ready })
  // the first visit is not controlled until the worker claims it; a reload is
  if (await a.page.evaluate(() => navigator.serviceWorker.controller == null)) await a.page.reload()
  await expect.poll(async () => a.page.evaluate(() => navigator.serviceWorker.controller != null)).toBe(true)
  await a.context.setOffline(true)
  await a.page.reload()
  expect(await readPeerId(a.page)).toBe(a.peerId)
  await a.context.setOffline(false)
})

test('an identity exported from one browser is imported into another, which then has its PeerId', async ({ browser }) => {
  const a = await openApp(browser, [], 'A')
  const b = await openApp(browser, [], 'B')
  expect(b.peerId).not.toBe(a.peerId)
  // identity export and import are in Settings
  await openView(a.page, 'settings')
  await openView(b.page, 'settings')

  const [download] = await Promise.all([
    a.page.waitForEvent('download'),
    a.page.getByRole('button', { name: 'Export identity' }).click()
  ])
  const path = await download.path()
  const file = JSON.parse(await readFile(path, 'utf8')) as { type: string, peerId: string }
  expect(file).toMatchObject({ type: 'peerlink-identity', peerId: a.peerId })

  // tried first: a file that is not an identity
  await b.page.getByLabel('Import identity').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') })
  await expect(b.page.getByRole('alert').filter({ hasText: 'not a Peerlink identity file' })).toBeVisible()
  expect(await shownPeerId(b.page)).toBe(b.peerId)

  await b.page.getByLabel('Import identity').setInputFiles(path)
  await expect(b.page.getByLabel('Your ID')).toHaveText(a.peerId)
})
