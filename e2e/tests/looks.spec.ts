/**
 * How every view looks, at 1280×800 and at 390×844 (a phone), in Chromium
 * against a real relay: an axe-core scan of each finds no serious or critical
 * accessibility violation, nothing scrolls sideways on the phone, and a
 * full-page screenshot of each is kept with the test's results
 * (test-results/looks-…/<view>, <width>×<height>.png, attached to the report).
 */
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, openView } from '../support/app.js'
import { callPanel, leaveCall, startCall } from '../support/calls.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { controlled, fileRow, joinRoom, makeFile, shareFiles } from '../support/files.js'
import { contextOf, LAPTOP, look } from '../support/looks.js'
import { serverRelays, shareToPeerlink, shareView } from '../support/share.js'

test('every view, on a laptop and on a phone: no serious accessibility violation, no sideways scrolling on the phone, a screenshot each', async ({ browser }) => {
  const relay = await startRelay()
  try {
    // Ann runs as an installed app (relays from the server's config.json), so the share sheet can open it too
    const a = await openApp(await contextOf(browser, LAPTOP, serverRelays([relay.infoUrl])), [], 'Ann')
    await expect(a.page.getByRole('button', { name: 'Send files' })).toBeEnabled()
    await look(a.page, 'first screen')

    // a room: a message, and Bob online in the members
    await setName(a, 'Ann')
    const link = await createRoom(a)
    await a.page.getByRole('textbox', { name: 'Room name' }).fill('Weekend trip')
    await a.page.getByRole('textbox', { name: 'Room name' }).press('Enter')
    const b = await joinRoom(browser, [relay.infoUrl], link, 'Bob')
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
    await send(a, 'Who brings the tent?')
    await expect(messages(b).filter({ hasText: 'Who brings the tent?' })).toHaveCount(1)
    await send(b, 'I do, and the stove.')
    await expect(messages(a).filter({ hasText: 'and the stove' })).toHaveCount(1)
    await look(a.page, 'room')

    // a file shared in the room: its row
    await a.page.setViewportSize(LAPTOP)
    const file = await makeFile(200_000, 'packing list.pdf')
    await shareFiles(a, [file.path])
    await expect(fileRow(a, file.name)).toHaveAttribute('data-state', 'complete')
    await expect(fileRow(b, file.name)).toHaveAttribute('data-state', 'available')
    await look(b.page, 'room with a file')

    // a call: the call panel with Ann's own tile
    await a.page.setViewportSize(LAPTOP)
    await startCall(a)
    await expect(callPanel(a).getByRole('figure')).toHaveCount(1)
    await look(a.page, 'call')
    await leaveCall(a)

    // Settings and Diagnostics
    await openView(a.page, 'settings')
    await look(a.page, 'settings')
    await openView(a.page, 'diagnostics')
    await expect(a.peerItem(b.peerId)).toBeVisible()
    await look(a.page, 'diagnostics')

    // a direct-message conversation with Bob
    await a.page.evaluate((hash) => { location.hash = hash }, link)
    await member(a, b.peerId).getByRole('button', { name: 'Message' }).click()
    await send(a, 'Shall we take the early train?')
    await expect(messages(a).filter({ hasText: 'early train' })).toHaveAttribute('data-status', 'delivered')
    await look(a.page, 'direct messages')

    // "Share to Peerlink": a file and a link shared from another app
    await controlled(a.page)
    await shareToPeerlink(a.page, { title: 'Camp site', url: 'https://example.org/camp', paths: [file.path] })
    await expect(shareView(a.page).getByRole('button', { name: 'Send to Weekend trip' })).toBeEnabled()
    await look(a.page, 'share view')
  } finally {
    await relay.stop()
  }
})
