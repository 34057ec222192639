/**
 * Finding one's way in a conversation, in Chromium against a real relay:
 * searching a room's history (an old message found and scrolled into view,
 * a query that matches nothing), "Jump to first unread" after being away, and
 * notifications of new messages while the page is hidden (none while it is
 * shown), through the service worker's registration.
 */
import type { Page } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openView } from '../support/app.js'
import { member, messages, roomOfTwo, send, setName } from '../support/chat.js'
import { controlled, hidePage } from '../support/files.js'
import type { AppPage } from '../support/app.js'

/** How many messages make a history longer than the log shows at once. */
const MANY = 30

function message (app: AppPage, text: string) {
  return messages(app).filter({ hasText: text })
}

/** Ann sends `first`, then enough filler messages that `first` is out of view at the bottom of the log. */
async function sendHistory (a: AppPage, first: string): Promise<void> {
  await send(a, first)
  for (let i = 2; i <= MANY; i++) await send(a, `filler message number ${i}`)
}

/** Whether the message is within the log's scrolled view (the page may still have to scroll to the log). */
async function inLogView (locator: ReturnType<typeof message>): Promise<boolean> {
  return locator.evaluate(el => {
    const log = el.closest('[role="log"]')
    if (log == null) return false
    const r = el.getBoundingClientRect()
    const view = log.getBoundingClientRect()
    return r.bottom > view.top && r.top < view.bottom
  })
}

/** The notifications the page's service worker registration shows now. */
async function notifications (page: Page): Promise<Array<{ title: string, body: string, tag: string }>> {
  return page.evaluate(async () => {
    const shown = await (await navigator.serviceWorker.ready).getNotifications()
    return shown.map(n => ({ title: n.title, body: n.body, tag: n.tag }))
  })
}

test('searching a room finds an old message by a word of it, whatever the case and accents, and scrolls it into view; a query matching nothing shows none', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomOfTwo(browser, [relay.infoUrl])
    await sendHistory(a, 'The crème brûlée recipe is on the fridge')
    await expect(message(b, `filler message number ${MANY}`)).toBeVisible()
    const old = message(b, 'recipe is on the fridge')
    expect(await inLogView(old)).toBe(false)

    const box = b.page.getByRole('searchbox', { name: 'Search messages' })
    await box.fill('CREME BRULEE')
    const count = b.page.locator('.search-count')
    await expect(count).toHaveText('1 of 1')
    await expect(old).toBeInViewport()
    expect(await inLogView(old)).toBe(true)
    await expect(old).toHaveAttribute('aria-current', 'true')
    await expect(b.page.locator('.message.match')).toHaveCount(1)

    // many matches: stepped through from the newest
    await box.fill('filler message')
    await expect(count).toHaveText(`${MANY - 1} of ${MANY - 1}`)
    await b.page.getByRole('button', { name: 'Previous match' }).click()
    await expect(count).toHaveText(`${MANY - 2} of ${MANY - 1}`)
    await expect(message(b, `filler message number ${MANY - 1}`)).toHaveAttribute('aria-current', 'true')

    // nothing matches: nothing marked
    await box.fill('tiramisu')
    await expect(count).toHaveText('No matches')
    await expect(b.page.locator('.message.match')).toHaveCount(0)
    await expect(b.page.locator('.message[aria-current]')).toHaveCount(0)

    // Escape empties the search
    await box.press('Escape')
    await expect(box).toHaveValue('')
    await expect(count).toHaveCount(0)
  } finally {
    await relay.stop()
  }
})

test('"Jump to first unread" brings the first message that arrived while away into view, focused, below "New messages", and goes', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b, link } = await roomOfTwo(browser, [relay.infoUrl])
    await send(a, 'read before leaving')
    await expect(message(b, 'read before leaving')).toBeVisible()
    // nothing unread: no button
    const jump = b.page.getByRole('button', { name: 'Jump to first unread' })
    await expect(jump).toHaveCount(0)

    // Bob is on the first screen while Ann writes
    await b.page.getByRole('link', { name: 'Peerlink', exact: true }).click()
    const roomId = /#\/r\/([\w-]+)\//.exec(link)![1]!
    const roomEntry = b.page.getByRole('list', { name: 'Rooms' }).locator(`[data-room-id="${roomId}"]`)
    await sendHistory(a, 'first thing you missed')
    await expect(roomEntry).toHaveAttribute('data-unread', String(MANY))

    await roomEntry.getByRole('link').click()
    // the log opens at its newest message
    await expect.poll(async () => inLogView(message(b, `filler message number ${MANY}`))).toBe(true)
    const first = message(b, 'first thing you missed')
    expect(await inLogView(first)).toBe(false)
    await expect(jump).toBeVisible()
    // the line comes right before the first unread message
    const divider = b.page.getByRole('log', { name: 'Messages' }).getByRole('separator', { name: 'New messages' })
    await expect(divider).toHaveCount(1)
    expect(await divider.evaluate(d => d.nextElementSibling?.textContent?.includes('first thing you missed'))).toBe(true)

    await jump.click()
    await expect(first).toBeInViewport()
    expect(await inLogView(first)).toBe(true)
    await expect(first).toBeFocused()
    await expect(jump).toHaveCount(0)
    await expect(divider).toBeVisible()
  } finally {
    await relay.stop()
  }
})

test('a new message while the page is hidden shows a notification with the room\'s name and the text (a direct message too), none while it is shown', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b, link } = await roomOfTwo(browser, [relay.infoUrl])
    const roomId = /#\/r\/([\w-]+)\//.exec(link)![1]!
    await controlled(b.page)
    await setName(a, 'Ann')
    await expect(member(b, a.peerId)).toContainText('Ann')

    // Settings says whether they are allowed, and follows the permission when it changes. (Headless Chromium
    // denies what was not granted, so "Enable notifications", shown while the browser has not decided, is not.)
    await openView(b.page, 'settings')
    await expect(b.page.getByText('Notifications are blocked for this site')).toBeVisible()
    await b.context.grantPermissions(['notifications'])
    await expect(b.page.getByText('Notifications are on.')).toBeVisible()
    await b.page.goBack()

    const name = a.page.getByRole('textbox', { name: 'Room name' })
    await name.fill('Picnic')
    await name.press('Enter')
    await expect(b.page.getByRole('heading', { name: 'Picnic' })).toBeVisible()

    // shown: no notification
    await send(a, 'seen while you look')
    await expect(message(b, 'seen while you look')).toBeVisible()
    expect(await notifications(b.page)).toEqual([])

    // Hidden. Headless Chromium keeps every page visible (a second page brought to the front, CDP
    // Target.activateTarget and a minimised window all leave visibilityState 'visible'), so the page's
    // document is made to say 'hidden' (visibilityState, hidden and the visibilitychange event).
    await hidePage(b.page)
    expect(await b.page.evaluate(() => document.visibilityState)).toBe('hidden')
    await send(a, 'bring the blanket')
    await expect.poll(async () => notifications(b.page)).toEqual([
      { title: 'Picnic', body: 'Ann: bring the blanket', tag: `peerlink:room:${roomId}` }
    ])
    // the next one of the room replaces it
    await send(a, 'and the   lemonade')
    await expect.poll(async () => notifications(b.page)).toEqual([
      { title: 'Picnic', body: 'Ann: and the lemonade', tag: `peerlink:room:${roomId}` }
    ])

    // a direct message: the sender's name and the text
    await member(a, b.peerId).getByRole('button', { name: 'Message' }).click()
    await send(a, 'just between us')
    await expect.poll(async () => (await notifications(b.page)).find(n => n.tag === `peerlink:dm:${a.peerId}`)).toEqual(
      { title: 'Ann', body: 'just between us', tag: `peerlink:dm:${a.peerId}` }
    )
  } finally {
    await relay.stop()
  }
})
