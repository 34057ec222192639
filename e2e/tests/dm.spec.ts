import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { member, messages, roomOfTwo, send } from '../support/chat.js'
import { appUrl } from '../support/app.js'

test('a direct message to a member who is away is queued and delivered when they return', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomOfTwo(browser, [relay.infoUrl])

    // A opens the conversation from the member list; both see the same safety number
    await member(a, b.peerId).getByRole('button', { name: 'Message' }).click()
    await expect(a.page).toHaveURL(new RegExp(`#/dm/${b.peerId}$`))
    const safety = await a.page.getByLabel('Safety number').textContent()
    expect(safety).toMatch(/^\d{4} \d{4} \d{4}$/)

    await send(a, 'hello Bob')
    await expect(messages(a).filter({ hasText: 'hello Bob' })).toHaveAttribute('data-status', 'delivered')

    // B goes away (its tab closes); A writes anyway
    await b.page.close()
    await send(a, 'while you were away')
    const queued = messages(a).filter({ hasText: 'while you were away' })
    await expect(queued).toHaveAttribute('data-status', 'queued')

    // B comes back (same browser profile, so same identity) and gets it
    const page = await b.context.newPage()
    await page.goto(appUrl([relay.infoUrl]) + `#/dm/${a.peerId}`)
    await expect(page.getByRole('log', { name: 'Messages' }).locator('[data-message-id]').filter({ hasText: 'while you were away' })).toHaveAttribute('data-status', 'received')
    await expect(queued).toHaveAttribute('data-status', 'delivered')
    await expect(page.getByLabel('Safety number')).toHaveText(safety!)
  } finally {
    await relay.stop()
  }
})
