import { expect, test } from '../support/test.js'
import { processMemoryContains } from '../../packages/core/test/integration/support/process-memory.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { createRoom, history, member, messages, openRoom, roomOfTwo, send, setName } from '../support/chat.js'
import { openApp, readPeerId } from '../support/app.js'
import { startRelayPair } from '../support/relays.js'

test('three browsers join a room by link and see every message, in one order, identical texts included', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await openRoom(browser, [relay.infoUrl], link, 'Bob')
    const c = await openRoom(browser, [relay.infoUrl], link, 'Cid')
    for (const app of [a, b, c]) {
      for (const other of [a, b, c]) await expect(member(app, other.peerId)).toHaveAttribute('data-state', 'online')
    }
    await expect(member(a, b.peerId)).toContainText('Bob')
    // members reach each other directly over WebRTC, and the member list says so
    await expect(member(a, b.peerId)).toHaveAttribute('data-link', 'direct')
    await expect(member(c, a.peerId)).toHaveAttribute('data-link', 'direct')

    await send(a, 'hello from Ann')
    await send(b, 'same text')
    await send(c, 'same text')
    await send(a, 'bye')
    for (const app of [a, b, c]) await expect(messages(app)).toHaveCount(4)
    const order = await history(a)
    expect(order.map(([, text]) => text).filter(t => t === 'same text')).toHaveLength(2)
    expect(await history(b)).toEqual(order)
    expect(await history(c)).toEqual(order)
    // another member has each of Ann's messages
    await expect(messages(a).filter({ hasText: 'bye' })).toHaveAttribute('data-status', 'seen')

    // the link can be copied and scanned
    await a.page.getByRole('button', { name: 'Copy link' }).click()
    expect(await a.page.evaluate(async () => navigator.clipboard.readText())).toBe(a.page.url())
    await expect(a.page.getByRole('img', { name: 'QR code of the room link' })).toBeVisible()

    // a member whose page is hidden shows as away to the others
    await c.page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await expect(member(a, c.peerId)).toHaveAttribute('data-state', 'away')

    // joined rooms are listed after a reload, with their history
    await b.page.goto(b.page.url().split('#')[0]!)
    await expect(b.page.getByRole('list', { name: 'Rooms' }).getByRole('listitem')).toHaveCount(1)
    await b.page.getByRole('list', { name: 'Rooms' }).getByRole('link').first().click()
    await expect(messages(b)).toHaveCount(4)
  } finally {
    await relay.stop()
  }
})

test('a late joiner gets the earlier messages, and still has them after an offline reload; the relay never held the text', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b, link } = await roomOfTwo(browser, [relay.infoUrl])
    const canary = `canary-${Date.now().toString(36)}`
    await send(a, 'first')
    await send(b, canary)
    await expect(messages(a)).toHaveCount(2)

    const c = await openRoom(browser, [relay.infoUrl], link, 'Cid')
    await expect(messages(c)).toHaveCount(2)
    expect(await history(c)).toEqual(await history(a))

    await c.context.setOffline(true)
    await c.page.reload()
    expect(await readPeerId(c.page)).toBe(c.peerId)
    await expect(messages(c)).toHaveCount(2)
    await expect(messages(c).filter({ hasText: canary })).toBeVisible()
    await c.context.setOffline(false)

    expect(await processMemoryContains(relay.process.pid!, relay.peerId)).toBe(true)
    expect(await processMemoryContains(relay.process.pid!, canary)).toBe(false)
  } finally {
    await relay.stop()
  }
})

test('members on two different relays chat with each other', async ({ browser }) => {
  const { relay1, relay2, stop } = await startRelayPair()
  try {
    const a = await openApp(browser, [relay1.infoUrl], 'Ann')
    const link = await createRoom(a)
    const b = await openRoom(browser, [relay2.infoUrl], link, 'Bob')
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
    await send(a, 'hi from relay one')
    await send(b, 'hi from relay two')
    await expect(messages(a)).toHaveCount(2)
    await expect(messages(b)).toHaveCount(2)
    expect(await history(b)).toEqual(await history(a))
  } finally {
    await stop()
  }
})

test('a bad room link is reported and loses nothing', async ({ browser }) => {
  const a = await openApp(browser, [], 'Ann', undefined, '#/r/short/notakey')
  await expect(a.page.getByRole('alert').filter({ hasText: 'Invalid room link' })).toBeVisible()
  expect(await readPeerId(a.page)).toBe(a.peerId)
})
