import { expect, test } from '../support/test.js'
import { freePort, startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, openView, readPeerId } from '../support/app.js'

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
