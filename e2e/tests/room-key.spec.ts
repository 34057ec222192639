import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { createRoom, member, messages, openRoom, send, setName, withChangedKey } from '../support/chat.js'
import { openApp } from '../support/app.js'

const WRONG_LINK = /This link's key cannot read this room's messages — ask for the link again/

test('a room link with a changed key: the member is told the link is wrong, nothing he writes counts as sent, and the right link mends it', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await openRoom(browser, [relay.infoUrl], withChangedKey(link), 'Bob')

    // Ann's presence reaches Bob through the relay and does not decrypt with his key
    await expect(b.page.getByRole('alert').filter({ hasText: WRONG_LINK })).toBeVisible()
    await send(b, 'can anyone read this?')
    const unread = messages(b).filter({ hasText: 'can anyone read this?' })
    await expect(unread).toHaveAttribute('data-status', 'unreadable')
    await expect(unread).toContainText('not delivered')
    // Ann created the room: her key is the room's, she sees no alert, no message and no member Bob
    await send(a, 'only members read this')
    await expect(messages(a).filter({ hasText: 'only members read this' })).toHaveAttribute('data-status', 'sent')
    await expect(a.page.getByRole('alert').filter({ hasText: WRONG_LINK })).toHaveCount(0)
    await expect(messages(a)).toHaveCount(1)
    await expect(member(a, b.peerId)).toHaveCount(0)
    await expect(messages(b).filter({ hasText: 'only members read this' })).toHaveCount(0)
    await expect(unread).toHaveAttribute('data-status', 'unreadable')

    // the right link replaces the wrong key: the alert goes, Bob gets the history and his messages arrive
    await b.page.evaluate((fragment) => { location.hash = fragment }, link)
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
    await expect(b.page.getByRole('alert').filter({ hasText: WRONG_LINK })).toHaveCount(0)
    await expect(messages(b).filter({ hasText: 'only members read this' })).toBeVisible()
    await send(b, 'now you can')
    await expect(messages(a).filter({ hasText: 'now you can' })).toBeVisible()
    await expect(messages(b).filter({ hasText: 'now you can' })).toHaveAttribute('data-status', /sent|seen/)
  } finally {
    await relay.stop()
  }
})
