/**
 * The first screen, Settings and Diagnostics, unread counts and the app
 * outside the tab, in Chromium against a real relay: what a new user sees on
 * a phone (390×844) and a laptop (1280×800), sending a file by link and QR
 * code, where the PeerId and the relays went, how peers are reached, and what
 * unread messages do to the room list and the tab's title.
 */
import QRCode from 'qrcode'
import type { BrowserContext, Page } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { connectByPeerId, openApp, openView, shownPeerId } from '../support/app.js'
import { member, messages, roomOfTwo, send } from '../support/chat.js'
import { fileRow, makeFile, opfsSha256, saveToOpfs } from '../support/files.js'
import { contextOf, keepScreenshot, LAPTOP, PHONE } from '../support/looks.js'

/** Downloads here take longer than the default expect timeout on a slow machine. */
const TRANSFER_TIMEOUT = 90_000

/** A tab title without an unread count ("Peerlink", or a subject before it). */
const NO_UNREAD = /^(?!\()(.* · )?Peerlink$/

/**
 * Records the page's screen wake lock requests and releases in `window.__wakeLock` (the real API still runs;
 * where the browser refuses the lock, the request is recorded as refused).
 */
async function recordWakeLock (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const log: string[] = []
    Object.defineProperty(window, '__wakeLock', { value: log })
    const lock = navigator.wakeLock as WakeLock | undefined
    if (lock == null) return
    const request = lock.request.bind(lock)
    lock.request = async (type?: 'screen') => {
      log.push('request')
      try {
        const sentinel = await request(type)
        sentinel.addEventListener('release', () => { log.push('released') })
        log.push('held')
        return sentinel
      } catch (err) {
        log.push(`refused: ${(err as Error).name}`)
        throw err
      }
    }
  })
}

async function wakeLockLog (page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __wakeLock: string[] }).__wakeLock.slice())
}

test('on a phone the first screen leads with "Send files" and "New room" and shows no PeerId or relay settings; "Send files" gives a link and its QR code, and another browser downloads the file exactly', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const phone = await contextOf(browser, PHONE)
    await recordWakeLock(phone)
    const a = await openApp(phone, [relay.infoUrl], 'Ann')
    const send = a.page.getByRole('button', { name: 'Send files' })
    const newRoom = a.page.getByRole('button', { name: 'New room' })
    await expect(send).toBeEnabled()
    // both in the viewport as the page opens, without scrolling
    expect(await a.page.evaluate(() => window.scrollY)).toBe(0)
    await expect(send).toBeInViewport({ ratio: 1 })
    await expect(newRoom).toBeInViewport({ ratio: 1 })
    // below them: the rooms and the recent files
    await expect(a.page.getByRole('heading', { name: 'Rooms' })).toBeVisible()
    await expect(a.page.getByRole('heading', { name: 'Recent files' })).toBeVisible()
    // nothing of settings or diagnostics here: no PeerId, no relays, no identity file, no "Connect to a peer"
    await expect(a.page.getByText(/12D3KooW/)).toHaveCount(0)
    expect(await a.page.locator('body').innerText()).not.toContain(a.peerId)
    for (const gone of [
      a.page.getByLabel('Your ID'), a.page.getByRole('textbox', { name: 'Relays' }), a.page.getByRole('list', { name: 'Relays' }),
      a.page.getByRole('textbox', { name: 'Peer ID' }), a.page.getByRole('button', { name: 'Export identity' }),
      a.page.getByRole('textbox', { name: 'ICE servers' }), a.page.getByRole('list', { name: 'Peers' })
    ]) await expect(gone).toHaveCount(0)
    await keepScreenshot(a.page, 'first screen, 390×844')
    await a.waitReserved(relay.peerId)

    // Ann sends a file: its link and the QR code of that link show on the first screen
    const file = await makeFile(700_000, 'holiday photos.bin')
    const chooser = a.page.waitForEvent('filechooser')
    await send.click()
    await (await chooser).setFiles(file.path)
    const linkBox = a.page.getByRole('textbox', { name: `Link to ${file.name}` })
    await expect(linkBox).toHaveValue(/#\/f\/\w+\/[\w-]+\?p=/)
    const link = await linkBox.inputValue()
    expect(link).toContain(`?p=${a.peerId}`)
    const qr = a.page.getByRole('img', { name: `QR code of the link to ${file.name}` })
    await expect(qr).toBeVisible()
    // the QR code is that link's: the same encoder (the qrcode package, as the app draws it) gives the same image
    const expected = await QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    expect(decodeURIComponent((await qr.getAttribute('src'))!.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''))).toBe(expected)
    const sending = a.page.getByRole('progressbar', { name: `Sending ${file.name}` })
    await expect(sending).toHaveAttribute('aria-valuetext', '0%')
    // the file is also under the recent files, complete
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete')
    await keepScreenshot(a.page, 'first screen after "Send files", 390×844')

    // Bob opens the link on a laptop and downloads it, exactly
    expect(new URL(link).search).toBe(`?relay=${encodeURIComponent(relay.infoUrl)}`)
    const b = await openApp(await contextOf(browser, LAPTOP), [relay.infoUrl], 'Bob', undefined, new URL(link).hash, saveToOpfs)
    const row = fileRow(b, file.name)
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(b.page, file.name)).toBe(file.sha256)
    // Ann's first screen shows it sent
    await expect(sending).toHaveAttribute('aria-valuetext', '100%', { timeout: TRANSFER_TIMEOUT })
    // the screen was asked to stay on while Ann's file was prepared and sent
    expect(await wakeLockLog(a.page)).toContain('request')
  } finally {
    await relay.stop()
  }
})

test('Settings shows the PeerId and the relays; Diagnostics shows a direct peer with its path, candidates, round trip and throughput, and the relay\'s reservation', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(await contextOf(browser, LAPTOP), [relay.infoUrl], 'Ann')
    const b = await openApp(await contextOf(browser, PHONE), [relay.infoUrl], 'Bob')
    await a.waitReserved(relay.peerId)
    await b.waitReserved(relay.peerId)

    // Settings (the header's button): the PeerId, the relays in use, identity files, ICE servers, "Connect to a peer"
    expect(await shownPeerId(a.page)).toBe(a.peerId)
    await expect(a.page.getByRole('textbox', { name: 'Relays' })).toHaveValue(relay.infoUrl)
    await expect(a.page.getByRole('button', { name: 'Export identity' })).toBeVisible()
    await expect(a.page.getByRole('textbox', { name: 'ICE servers' })).toBeVisible()
    await keepScreenshot(a.page, 'Settings, 1280×800')
    await connectByPeerId(a, b)

    // Diagnostics: Bob reached directly over WebRTC, with the ICE candidate types, a round trip and a throughput
    await openView(a.page, 'diagnostics')
    const bob = a.peerItem(b.peerId)
    await expect(bob).toHaveAttribute('data-path', 'direct')
    await expect(bob).toHaveAttribute('data-transport', 'webrtc')
    await expect(bob).toContainText('Direct: your browser and theirs exchange data straight with each other.')
    await expect(bob.getByRole('term').filter({ hasText: 'ICE candidates' })).toBeVisible()
    await expect(bob.getByRole('definition').filter({ hasText: /^(host|srflx|prflx) → (host|srflx|prflx)$/ })).toBeVisible()
    await expect(bob).toHaveAttribute('data-rtt', /^\d+$/)
    await expect(bob.locator('.rtt')).toHaveText(/^\d+ ms$/)
    await expect(bob.locator('.throughput')).toHaveText(/↑ [\d.]+ [KMG]?B\/s · ↓ [\d.]+ [KMG]?B\/s/)
    // the relay: reserved, and when the reservation expires (the relay's default: two hours, renewed before)
    const relayItem = a.relayItem(relay.peerId)
    await expect(relayItem).toContainText('reserved')
    await expect(relayItem.locator('.reservation')).toContainText(/expires in (1 h \d+ min|2 h)/)
    await keepScreenshot(a.page, 'Diagnostics, 1280×800')
    // and at 390×844 Bob's Diagnostics shows Ann the same way
    await openView(b.page, 'diagnostics')
    await expect(b.peerItem(a.peerId)).toHaveAttribute('data-path', 'direct')
    await expect(b.peerItem(a.peerId).locator('.rtt')).toHaveText(/^\d+ ms$/)
    await keepScreenshot(b.page, 'Diagnostics, 390×844')
  } finally {
    await relay.stop()
  }
})

test('unread counts rise in the room and direct-message lists and in the tab\'s title while a conversation is not open, survive a reload, and clear when it is opened', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomOfTwo(browser, [relay.infoUrl])
    const roomId = /#\/r\/([\w-]+)\//.exec(a.page.url())![1]!
    await expect(a.page).toHaveTitle(NO_UNREAD)
    // Ann goes back to the first screen; Bob writes twice in the room
    await a.page.getByRole('link', { name: 'Peerlink', exact: true }).click()
    await expect(a.page.getByRole('button', { name: 'Send files' })).toBeVisible()
    const roomEntry = a.page.getByRole('list', { name: 'Rooms' }).locator(`[data-room-id="${roomId}"]`)
    await expect(roomEntry).toHaveAttribute('data-unread', '0')
    await send(b, 'are you there?')
    await send(b, 'hello again')
    await expect(roomEntry).toHaveAttribute('data-unread', '2')
    await expect(roomEntry).toContainText('(2 unread)')
    // with the last message
    await expect(roomEntry).toContainText('Bob: hello again')
    await expect(a.page).toHaveTitle(/^\(2\) .*Peerlink$/)

    // Bob writes to Ann directly too
    await member(b, a.peerId).getByRole('button', { name: 'Message' }).click()
    await send(b, 'just you and me')
    const dmEntry = a.page.getByRole('list', { name: 'Direct messages' }).locator(`[data-peer-id="${b.peerId}"]`)
    await expect(dmEntry).toHaveAttribute('data-unread', '1')
    await expect(dmEntry).toContainText('just you and me')
    await expect(a.page).toHaveTitle(/^\(3\) .*Peerlink$/)
    await keepScreenshot(a.page, 'first screen with unread messages, 1280×800')

    // a reload keeps them
    await a.page.reload()
    await expect(roomEntry).toHaveAttribute('data-unread', '2')
    await expect(dmEntry).toHaveAttribute('data-unread', '1')
    await expect(a.page).toHaveTitle(/^\(3\) .*Peerlink$/)

    // opening the room clears its count (the DM's stays), and a message read while it is open never counts
    await roomEntry.getByRole('link').click()
    await expect(messages(a).filter({ hasText: 'hello again' })).toBeVisible()
    await expect(a.page).toHaveTitle(/^\(1\) .*Peerlink$/)
    await expect(a.page.getByRole('list', { name: 'Rooms' }).locator(`[data-room-id="${roomId}"]`)).toHaveAttribute('data-unread', '0')
    await b.page.goBack()
    await send(b, 'seen at once')
    await expect(messages(a).filter({ hasText: 'seen at once' })).toBeVisible()
    await expect(a.page).toHaveTitle(/^\(1\) .*Peerlink$/)
    await a.page.getByRole('list', { name: 'Direct messages' }).locator(`[data-peer-id="${b.peerId}"]`).getByRole('link').click()
    await expect(messages(a).filter({ hasText: 'just you and me' })).toBeVisible()
    await expect(a.page).toHaveTitle(NO_UNREAD)
  } finally {
    await relay.stop()
  }
})

test('the browser\'s offer to install the app shows an "Install" button, which opens the browser\'s dialog once', async ({ browser }) => {
  const a = await openApp(browser, [], 'Ann')
  const install = a.page.getByRole('banner').getByRole('button', { name: 'Install' })
  // no offer (a headless browser makes none by itself): no button
  await expect(install).toHaveCount(0)
  // the offer as Chromium makes it: a cancelable beforeinstallprompt event with prompt()
  await a.page.evaluate(() => {
    const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
      prompt: async () => { (window as unknown as { __prompted: number }).__prompted++ }
    })
    Object.defineProperty(window, '__prompted', { value: 0, writable: true })
    window.dispatchEvent(offer)
  })
  await install.click()
  expect(await a.page.evaluate(() => (window as unknown as { __prompted: number }).__prompted)).toBe(1)
  // used once: gone
  await expect(install).toHaveCount(0)
})
