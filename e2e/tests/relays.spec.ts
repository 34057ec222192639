import { expect, test } from '../support/test.js'
import { freePort, startRelay } from '../../relay/test/support/relay-process.js'
import { APP_PERMISSIONS, openApp, openView, readPeerId } from '../support/app.js'
import { controlled } from '../support/files.js'

test('the app shows a relay lost and reconnects when it comes back', async ({ browser }) => {
  const ports = ['--ws-port', String(await freePort()), '--webrtc-port', String(await freePort()), '--tcp-port', String(await freePort()), '--http-port', String(await freePort())]
  let relay = await startRelay(ports)
  try {
    const a = await openApp(browser, [relay.infoUrl], 'A')
    await a.waitReserved(relay.peerId)
    await relay.stop()
    await openView(a.page, 'diagnostics')
    await expect(a.relayItem(relay.peerId)).toContainText('disconnected')
    relay = await startRelay(ports, { dataDir: relay.dataDir })
    await a.waitReserved(relay.peerId)
  } finally {
    await relay.stop()
  }
})

test('an invalid relay in the link is reported and the app keeps running with the valid ones', async ({ browser }) => {
  const relay = await startRelay()
  try {
    // tried: a bare word, a multiaddr without /p2p/<id>
    const a = await openApp(browser, ['not-a-relay', '/ip4/127.0.0.1/tcp/1/ws', relay.infoUrl], 'A')
    const alerts = a.page.getByRole('alert')
    await expect(alerts.filter({ hasText: 'Invalid relay address "not-a-relay"' })).toBeVisible()
    await expect(alerts.filter({ hasText: 'it must end with /p2p/<relay PeerId>' })).toBeVisible()
    await a.waitReserved(relay.peerId)
  } finally {
    await relay.stop()
  }
})

test('relay settings: invalid input is refused with a message, valid input is saved and used after reload', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [], 'A')
    const peerId = a.peerId
    // the relay list is edited in Settings
    await openView(a.page, 'settings')
    const box = a.page.getByRole('textbox', { name: 'Relays' })
    const save = a.page.getByRole('button', { name: 'Save relays' })

    // tried: a hostname without scheme, a multiaddr with a bad IP
    await box.fill('relay.example.org\n/ip4/999.0.0.1/tcp/1/ws')
    await save.click()
    await expect(a.page.getByRole('alert').filter({ hasText: 'Invalid relay address "relay.example.org"' })).toBeVisible()
    await expect(a.page.getByRole('alert').filter({ hasText: 'not a valid multiaddr' })).toBeVisible()
    expect(await readPeerId(a.page)).toBe(peerId)

    await box.fill(relay.infoUrl)
    await save.click()
    await a.waitReserved(relay.peerId)

    await a.page.goto('/')
    expect(await readPeerId(a.page)).toBe(peerId)
    await openView(a.page, 'settings')
    await expect(a.page.getByRole('textbox', { name: 'Relays' })).toHaveValue(relay.infoUrl)
    await a.waitReserved(relay.peerId)
  } finally {
    await relay.stop()
  }
})

test('the default relays are the server\'s config.json, read again on every start past the service worker; a broken one is named and the last good list used', async ({ browser }) => {
  const [one, two] = [await startRelay(), await startRelay()]
  try {
    const context = await browser.newContext({ permissions: APP_PERMISSIONS })
    // the server's config.json, as a deployment serves it (vite preview has none); what it answers is changed below
    let answer: { status: number, body: string } | 'offline' = { status: 200, body: JSON.stringify({ relays: [one.infoUrl] }) }
    await context.route('**/config.json', async route => {
      if (answer === 'offline') await route.abort('internetdisconnected')
      else await route.fulfill({ status: answer.status, contentType: 'application/json', headers: { 'cache-control': 'no-cache' }, body: answer.body })
    })
    const page = await context.newPage()
    // the relays in use and their state are in the Diagnostics view
    const inputs = async (): Promise<Array<string | null>> => page.getByRole('list', { name: 'Relays' }).getByRole('listitem').evaluateAll(items => items.map(i => i.getAttribute('data-relay-input')))
    const reserved = async (peerId: string): Promise<void> => {
      await openView(page, 'diagnostics')
      await expect(page.getByRole('list', { name: 'Relays' }).getByRole('listitem').filter({ hasText: peerId })).toContainText('reserved')
    }
    await page.goto('/')
    await readPeerId(page)
    await reserved(one.peerId)
    expect(await inputs()).toEqual([one.infoUrl])
    await controlled(page)

    // the server now lists another relay: the next start, under the service worker, uses it
    answer = { status: 200, body: JSON.stringify({ relays: [two.infoUrl] }) }
    await page.reload()
    await reserved(two.peerId)
    expect(await inputs()).toEqual([two.infoUrl])
    expect(await page.evaluate(() => navigator.serviceWorker.controller != null)).toBe(true)

    // tried: a file that is not JSON; the app starts with the list it read last and says why
    answer = { status: 200, body: '{"relays": [' }
    await page.reload()
    await expect(page.getByRole('alert').filter({ hasText: 'The server\'s relay configuration (/config.json) is not usable: not JSON' })).toContainText('using the relays it listed before')
    await reserved(two.peerId)
    expect(await inputs()).toEqual([two.infoUrl])

    // offline: the list read last, without a message
    answer = 'offline'
    await page.reload()
    await reserved(two.peerId)
    await expect(page.getByRole('alert').filter({ hasText: 'relay configuration' })).toHaveCount(0)
    await context.close()
  } finally {
    await Promise.all([one.stop(), two.stop()])
  }
})
