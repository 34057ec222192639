import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { connectByPeerId, openApp, openView, shownPeerId } from '../support/app.js'
import { startRelayPair } from '../support/relays.js'

test('two browsers reserve on a relay, find each other through its DHT, go direct over WebRTC and ping', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [relay.infoUrl], 'A')
    const b = await openApp(browser, [relay.infoUrl], 'B')
    expect(a.peerId).not.toBe(b.peerId)
    await a.waitReserved(relay.peerId)
    await b.waitReserved(relay.peerId)
    await openView(a.page, 'diagnostics')
    await expect(a.relayItem(relay.peerId)).toContainText('websockets')

    // A knows only B's PeerId (in Settings): its addresses come from the relay's DHT
    await connectByPeerId(a, b)
    await openView(a.page, 'diagnostics')
    await openView(b.page, 'diagnostics')
    const bAtA = a.peerItem(b.peerId)
    await expect(bAtA).toHaveAttribute('data-direct', 'true')
    await expect(bAtA).toHaveAttribute('data-transport', 'webrtc')
    expect(await bAtA.getAttribute('data-remote-addr')).toContain('/webrtc')
    await expect(bAtA).toContainText('direct')
    await expect(b.peerItem(a.peerId)).toHaveAttribute('data-direct', 'true')

    await bAtA.getByRole('button', { name: 'Ping' }).click()
    await expect(bAtA.getByRole('status')).toHaveText(/ping \d+ ms/)

    // the identity persists in IndexedDB (Settings shows it)
    await b.page.reload()
    expect(await shownPeerId(b.page)).toBe(b.peerId)
  } finally {
    await relay.stop()
  }
})

test('a browser on one relay finds and connects to a browser on another relay through the shared DHT', async ({ browser }) => {
  // the relays connect to each other and so share one DHT
  const { relay1, relay2, stop } = await startRelayPair()
  try {
    const a = await openApp(browser, [relay1.infoUrl], 'A')
    const b = await openApp(browser, [relay2.infoUrl], 'B')
    await a.waitReserved(relay1.peerId)
    await b.waitReserved(relay2.peerId)

    await connectByPeerId(a, b)
    await openView(a.page, 'diagnostics')
    const bAtA = a.peerItem(b.peerId)
    await expect(bAtA).toHaveAttribute('data-direct', 'true')
    await expect(bAtA).toHaveAttribute('data-transport', 'webrtc')
    // B was reached through relay 2, which A was never configured with
    expect(await bAtA.getAttribute('data-remote-addr')).toContain(`/p2p/${relay2.peerId}/p2p-circuit/webrtc`)
    await bAtA.getByRole('button', { name: 'Ping' }).click()
    await expect(bAtA.getByRole('status')).toHaveText(/ping \d+ ms/)
  } finally {
    await stop()
  }
})
