/**
 * Browsers configured with different relays, the relays bootstrapped to each
 * other: everything a browser needs beyond its own relay (a room member's
 * addresses, a file's providers) comes through the relays' shared DHT, which
 * a browser reaches only once its relay is in its routing table (see
 * packages/core/src/peer/services.ts and test/dht-admission.test.ts).
 */
import { expect, test } from '../support/test.js'
import { appUrl, openApp, openView } from '../support/app.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { counters, fileRow, makeFile, opfsSha256, rowOf, saveToOpfs, shareFiles } from '../support/files.js'
import { startRelayPair } from '../support/relays.js'

/** Downloads here take longer than the default expect timeout on a slow machine. */
const TRANSFER_TIMEOUT = 120_000

test('browsers each configured with a different relay (the relays bootstrapped to each other) chat in a room and download a file shared there, and by its link', async ({ browser }) => {
  // the relays connect to each other and so share one DHT and the rooms' gossip
  const { relay1, relay2, stop } = await startRelayPair()
  try {
    const ann = await openApp(browser, [relay1.infoUrl], 'Ann')
    await ann.waitReserved(relay1.peerId)
    // neither knows the other's relay
    await openView(ann.page, 'diagnostics')
    await expect(ann.relayItem(relay1.peerId)).toHaveCount(1)
    await expect(ann.relayItem(relay2.peerId)).toHaveCount(0)
    await setName(ann, 'Ann')
    const link = await createRoom(ann)
    const bob = await openApp(browser, [relay2.infoUrl], 'Bob', undefined, '', saveToOpfs)
    await bob.waitReserved(relay2.peerId)
    await openView(bob.page, 'diagnostics')
    await expect(bob.relayItem(relay2.peerId)).toHaveCount(1)
    await expect(bob.relayItem(relay1.peerId)).toHaveCount(0)
    await bob.page.goto(appUrl([relay2.infoUrl]) + link)
    await setName(bob, 'Bob')
    await expect(member(ann, bob.peerId)).toHaveAttribute('data-state', 'online', { timeout: 60_000 })
    await send(ann, 'hello from relay1')
    await expect(messages(bob).filter({ hasText: 'hello from relay1' })).toBeVisible()

    // Ann shares a file in the room; Bob downloads it, exactly
    const file = await makeFile(256 * 1024 + 17, 'cross-relay.bin')
    await shareFiles(ann, [file.path])
    const aRow = fileRow(ann, file.name)
    await expect(aRow).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    const cid = (await aRow.getAttribute('data-cid'))!
    const bRow = fileRow(bob, file.name)
    await expect(bRow).toHaveAttribute('data-state', 'available')
    await bRow.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(bRow).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(bob.page, file.name)).toBe(file.sha256)
    expect((await counters(bRow)).sources[ann.peerId]).toBeGreaterThan(0)

    // a third browser, on relay2 only, opens Ann's file link (Ann as the peer hint) and downloads it
    await aRow.getByRole('button', { name: 'Copy file link' }).click()
    const aLink = await ann.page.evaluate(async () => navigator.clipboard.readText())
    expect(aLink).toContain(`?p=${ann.peerId}`)
    const cidPage = await openApp(browser, [relay2.infoUrl], 'Cid', undefined, '', saveToOpfs)
    await cidPage.waitReserved(relay2.peerId)
    await cidPage.page.goto(appUrl([relay2.infoUrl]) + new URL(aLink).hash)
    const cRow = rowOf(cidPage, cid)
    await cRow.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(cRow).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(cidPage.page, file.name)).toBe(file.sha256)

    // and one more on relay2 only, without WebRTC (relayed connections only), with the bare link (no peer hint):
    // the providers come from the relays' DHT, and the file through a circuit on relay1. Bob and Cid, who also
    // provide it now (through relay2), leave first: their records stay in the DHT, so Dan also meets providers
    // that no longer answer, and Ann must be the one who serves it.
    await bob.context.close()
    await cidPage.context.close()
    const bare = new URL(aLink).hash.replace(/\?.*$/, '')
    const relayedOnly = `${appUrl([relay2.infoUrl])}&webrtc=off`
    const danPage = await openApp(browser, [relay2.infoUrl], 'Dan', undefined, '', saveToOpfs)
    await danPage.page.goto(relayedOnly)
    await danPage.waitReserved(relay2.peerId)
    await danPage.page.goto(relayedOnly + bare)
    const dRow = rowOf(danPage, cid)
    await dRow.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(dRow).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    expect(await opfsSha256(danPage.page, file.name)).toBe(file.sha256)
    expect((await counters(dRow)).sources[ann.peerId]).toBeGreaterThan(0)
  } finally {
    await stop()
  }
})
