/**
 * "Share to Peerlink" from the system's share sheet (Web Share Target), in
 * Chromium against a real relay: the manifest's share target receives a real
 * multipart POST navigation, the service worker keeps the files and text and
 * opens the share view, which sends them to a room or by link; a share is
 * used once, and a missing one says so.
 */
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, type AppPage } from '../support/app.js'
import { createRoom, member, messages, setName } from '../support/chat.js'
import { controlled, fileRow, idbKeys, joinRoom, makeFile, opfsSha256, saveToOpfs } from '../support/files.js'
import { serverRelays, shareToPeerlink, shareView } from '../support/share.js'
import type { Browser } from '@playwright/test'

/** Downloads here take longer than the default expect timeout on a slow machine. */
const TRANSFER_TIMEOUT = 90_000

/** Where the service worker keeps shares until they are used. */
const SHARES_DB = 'peerlink-shares'

/** Ann as an installed app (her relays from the server's config.json), controlled by the service worker. */
async function installedApp (browser: Browser, relay: string): Promise<AppPage> {
  const a = await openApp(browser, [], 'Ann', undefined, '', serverRelays([relay]))
  await controlled(a.page)
  return a
}

/** Ann (an installed app, controlled by the service worker) in a room named `name`, Bob in it too, saving downloads into OPFS. */
async function roomNamed (browser: Browser, relay: string, name: string): Promise<{ a: AppPage, b: AppPage }> {
  const a = await installedApp(browser, relay)
  await setName(a, 'Ann')
  await createRoom(a)
  await a.page.getByRole('textbox', { name: 'Room name' }).fill(name)
  await a.page.getByRole('textbox', { name: 'Room name' }).press('Enter')
  await expect(a.page.getByRole('heading', { name, level: 2 })).toBeVisible()
  const b = await joinRoom(browser, [relay], new URL(a.page.url()).hash, 'Bob', saveToOpfs)
  await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
  await expect(b.page.getByRole('heading', { name, level: 2 })).toBeVisible()
  return { a, b }
}

test('a file and text shared to Peerlink go to the room picked: the text as a message, the file as a room file Bob downloads exactly; the share is used once', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomNamed(browser, relay.infoUrl, 'Holiday')
    const file = await makeFile(400_000, 'beach photo.jpg')

    const id = await shareToPeerlink(a.page, { title: 'Beach', text: 'Look at this', paths: [file.path] })
    const view = shareView(a.page)
    await expect(view.getByRole('heading', { name: 'Share to Peerlink' })).toBeVisible()
    await expect(view.getByRole('list', { name: 'Files' })).toContainText(file.name)
    await expect(view.getByRole('textbox', { name: 'Text' })).toHaveValue('Beach\nLook at this')
    // kept in IndexedDB until it is used
    expect(await idbKeys(a.page, SHARES_DB, 'shares')).toEqual([id])

    await view.getByRole('button', { name: 'Send to Holiday' }).click()
    // the room opens with the text and the file in it
    await expect(a.page.getByRole('heading', { name: 'Holiday', level: 2 })).toBeVisible()
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    await expect(messages(a).filter({ hasText: 'Look at this' })).toHaveCount(1)
    expect(await idbKeys(a.page, SHARES_DB, 'shares')).toEqual([])

    // Bob gets both; the file downloads exactly
    await expect(messages(b).filter({ hasText: 'Look at this' })).toHaveAttribute('data-author', a.peerId)
    const row = fileRow(b, file.name)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)

    // the same share again: used already
    await a.page.goto(a.page.url().split('#')[0] + `#/share/${id}`)
    await expect(shareView(a.page).getByRole('alert')).toContainText('This share is not here any more')
  } finally {
    await relay.stop()
  }
})

test('"Get a link" on a shared file gives its link and QR code, and another browser downloads it exactly', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await installedApp(browser, relay.infoUrl)
    await a.waitReserved(relay.peerId)
    const file = await makeFile(300_000, 'report.pdf')

    await shareToPeerlink(a.page, { paths: [file.path] })
    const view = shareView(a.page)
    // no room joined yet: the view says so, and offers a link
    await expect(view).toContainText('You have not joined a room yet')
    await view.getByRole('button', { name: 'Get a link' }).click()
    const linkBox = view.getByRole('textbox', { name: `Link to ${file.name}` })
    await expect(linkBox).toHaveValue(/#\/f\/\w+\/[\w-]+\?p=/)
    await expect(view.getByRole('img', { name: `QR code of the link to ${file.name}` })).toBeVisible()
    expect(await idbKeys(a.page, SHARES_DB, 'shares')).toEqual([])

    const b = await openApp(browser, [relay.infoUrl], 'Bob', undefined, new URL(await linkBox.inputValue()).hash, saveToOpfs)
    const row = fileRow(b, file.name)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    await expect(view.getByRole('progressbar', { name: `Sending ${file.name}` })).toHaveAttribute('aria-valuetext', '100%', { timeout: TRANSFER_TIMEOUT })
  } finally {
    await relay.stop()
  }
})

test('a text-only share (a page\'s title and URL, an empty file field) is sent to the room picked as one message; no "Get a link" without files', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomNamed(browser, relay.infoUrl, 'Reading')
    await shareToPeerlink(a.page, { title: 'A good read', url: 'https://example.org/article' })
    const view = shareView(a.page)
    await expect(view.getByRole('textbox', { name: 'Text' })).toHaveValue('A good read\nhttps://example.org/article')
    await expect(view.getByRole('list', { name: 'Files' })).toHaveCount(0)
    await expect(view.getByRole('button', { name: 'Get a link' })).toHaveCount(0)
    await view.getByRole('textbox', { name: 'Text' }).fill('A good read\nhttps://example.org/article\nfor the train')
    await view.getByRole('button', { name: 'Send to Reading' }).click()
    await expect(a.page.getByRole('heading', { name: 'Reading', level: 2 })).toBeVisible()
    const sent = messages(b).filter({ hasText: 'https://example.org/article' })
    await expect(sent).toHaveAttribute('data-author', a.peerId)
    await expect(sent).toContainText('for the train')
    await expect(b.page.getByRole('log', { name: 'Messages' }).locator('.file-row')).toHaveCount(0)
    expect(await idbKeys(a.page, SHARES_DB, 'shares')).toEqual([])
  } finally {
    await relay.stop()
  }
})

test('a share id nothing is stored under (mistyped, used or expired) says so and offers the way back', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann', undefined, '#/share/no-such-share')
    const view = shareView(a.page)
    await expect(view.getByRole('alert')).toContainText('This share is not here any more')
    await expect(view.getByRole('button', { name: /^Send to / })).toHaveCount(0)
    await view.getByRole('link', { name: 'Back to the start' }).click()
    await expect(a.page.getByRole('button', { name: 'Send files' })).toBeVisible()
  } finally {
    await relay.stop()
  }
})
