import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, type AppPage } from '../support/app.js'
import { callPanel, closeAll, joinCall, leaveCall, noFramesFrom, RELAY_ONLY, receivesMediaFrom, startCall, stillReceivingFrom, tile, tiles } from '../support/calls.js'
import { createRoom, member, openRoom, roomOfTwo, setName } from '../support/chat.js'

test('two members in a call: each decodes the other\'s video and receives its audio', async ({ browser }) => {
  const relay = await startRelay()
  const apps: AppPage[] = []
  try {
    const { a, b } = await roomOfTwo(browser, [relay.infoUrl])
    apps.push(a, b)
    await setName(a, 'Ann')
    await startCall(a)
    // B sees the call A started, with who is in it
    await expect(callPanel(b).getByRole('button', { name: 'Join call' })).toBeVisible()
    await expect(callPanel(b)).toContainText('In the call: Ann')
    await joinCall(b)

    // a tile per participant, named by display name, ours first
    await expect(tiles(a)).toHaveCount(2)
    await expect(callPanel(a).getByRole('figure', { name: 'Bob', exact: true })).toBeVisible()
    await expect(callPanel(b).getByRole('figure', { name: 'Ann', exact: true })).toBeVisible()
    await expect(callPanel(b).getByRole('figure', { name: 'Bob (you)' })).toBeVisible()
    await receivesMediaFrom(a, b.peerId)
    await receivesMediaFrom(b, a.peerId)
    await expect(tile(a, b.peerId)).toHaveAttribute('data-connection', 'connected')
    // the video we send is capped for a two-person call
    await expect(tile(a, b.peerId)).toHaveAttribute('data-max-bitrate', '1000000')

    // benchmark hooks: when "Join call" was pressed, and when the first remote frame was decoded
    const joinedAt = Number(await callPanel(b).getAttribute('data-joined-at'))
    const firstFrameAt = Number(await tile(b, a.peerId).getAttribute('data-first-frame-at'))
    expect(firstFrameAt).toBeGreaterThanOrEqual(joinedAt)
    console.log(`join to first remote frame: ${firstFrameAt - joinedAt} ms`)

    // the speaking indicator follows the remote audio level (Chromium's fake microphone beeps)
    await expect(tile(a, b.peerId)).toHaveAttribute('data-speaking', 'true')

    // camera and microphone can be chosen; switching the microphone keeps the audio flowing
    await expect(callPanel(a).getByRole('combobox', { name: 'Camera device' })).toBeEnabled()
    const microphones = callPanel(b).getByRole('combobox', { name: 'Microphone device' })
    const other = await microphones.locator('option').nth(1).getAttribute('value')
    await microphones.selectOption(other ?? '')
    await expect(microphones).toHaveValue(other ?? '')
    await stillReceivingFrom(a, b.peerId)

    // a shared screen replaces the camera at the other side, and stopping it brings the camera back
    const share = callPanel(a).getByRole('button', { name: 'Share screen' })
    await share.click()
    await expect(share).toHaveAttribute('aria-pressed', 'true')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-screen', 'on')
    await stillReceivingFrom(b, a.peerId)
    await share.click()
    await expect(share).toHaveAttribute('aria-pressed', 'false')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-screen', 'off')
    await stillReceivingFrom(b, a.peerId)
  } finally {
    await closeAll(apps)
    await relay.stop()
  }
})

test('three members: one leaves and the other two keep their call; the leaver rejoins; a reload cleans up', async ({ browser }) => {
  // three pages encoding and decoding video, joining four times: more than the default budget on two cores
  test.setTimeout(360_000)
  const relay = await startRelay()
  const apps: AppPage[] = []
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    apps.push(a)
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await openRoom(browser, [relay.infoUrl], link, 'Bob')
    apps.push(b)
    const c = await openRoom(browser, [relay.infoUrl], link, 'Cid')
    apps.push(c)
    for (const app of [a, b, c]) {
      for (const other of [a, b, c]) await expect(member(app, other.peerId)).toHaveAttribute('data-state', 'online')
    }
    await startCall(a)
    await joinCall(b)
    await joinCall(c)
    for (const app of [a, b, c]) {
      await expect(tiles(app)).toHaveCount(3)
      for (const other of [a, b, c]) if (other !== app) await receivesMediaFrom(app, other.peerId)
    }
    // three in the mesh: each sends two streams, each with a smaller share of the upload
    await expect(tile(a, b.peerId)).toHaveAttribute('data-max-bitrate', '900000')

    // C leaves: its tiles go, A and B keep receiving each other
    await leaveCall(c)
    await expect(tiles(c)).toHaveCount(0)
    for (const app of [a, b]) {
      await expect(tiles(app)).toHaveCount(2)
      await expect(tile(app, c.peerId)).toHaveCount(0)
    }
    await stillReceivingFrom(a, b.peerId)
    await stillReceivingFrom(b, a.peerId)
    await expect(tile(a, b.peerId)).toHaveAttribute('data-max-bitrate', '1000000')

    // C comes back
    await joinCall(c)
    for (const app of [a, b]) await receivesMediaFrom(app, c.peerId)
    await receivesMediaFrom(c, a.peerId)
    await receivesMediaFrom(c, b.peerId)

    // C reloads its page: the others drop its tile and carry on
    await c.page.reload()
    for (const app of [a, b]) await expect(tile(app, c.peerId)).toHaveCount(0)
    await stillReceivingFrom(a, b.peerId)
    // after the reload C can join again
    await joinCall(c)
    await receivesMediaFrom(a, c.peerId)
    await receivesMediaFrom(c, b.peerId)

    // C's tab goes away: its tiles and connections go too
    await c.context.close()
    for (const app of [a, b]) await expect(tile(app, c.peerId)).toHaveCount(0)
    await stillReceivingFrom(b, a.peerId)
  } finally {
    await closeAll(apps)
    await relay.stop()
  }
})

test('mute and camera off are seen at the other side', async ({ browser }) => {
  test.setTimeout(240_000)
  const relay = await startRelay()
  const apps: AppPage[] = []
  try {
    const { a, b } = await roomOfTwo(browser, [relay.infoUrl])
    apps.push(a, b)
    await startCall(a)
    await joinCall(b)
    await receivesMediaFrom(b, a.peerId)
    const mute = callPanel(a).getByRole('button', { name: 'Mute' })
    const camera = callPanel(a).getByRole('button', { name: 'Camera' })
    await expect(mute).toHaveAttribute('aria-pressed', 'false')
    await expect(camera).toHaveAttribute('aria-pressed', 'true')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-audio', 'on')

    await mute.click()
    await expect(mute).toHaveAttribute('aria-pressed', 'true')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-audio', 'off')
    await expect(tile(a, a.peerId)).toHaveAttribute('data-audio', 'off')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-speaking', 'false')

    await camera.click()
    await expect(camera).toHaveAttribute('aria-pressed', 'false')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-video', 'off')
    // no more frames arrive from A's camera
    await noFramesFrom(b, a.peerId)
    // A still receives B
    await stillReceivingFrom(a, b.peerId)

    await camera.click()
    await mute.click()
    await expect(tile(b, a.peerId)).toHaveAttribute('data-video', 'on')
    await expect(tile(b, a.peerId)).toHaveAttribute('data-audio', 'on')
    await stillReceivingFrom(b, a.peerId)
  } finally {
    await closeAll(apps)
    await relay.stop()
  }
})

test('a call between two members whose only path is the relay sets up over the relayed connection', async ({ browser }) => {
  test.setTimeout(240_000)
  const relay = await startRelay()
  const apps: AppPage[] = []
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann', undefined, RELAY_ONLY)
    apps.push(a)
    await setName(a, 'Ann')
    // both open the room at once, before their relay connections are up: the relay must still follow its topic
    // (it once took browsers that had reserved a slot for relays, and members without a direct link never met)
    const link = await createRoom(a)
    const b = await openApp(browser, [relay.infoUrl], 'Bob', undefined, RELAY_ONLY + link)
    apps.push(b)
    await setName(b, 'Bob')
    // presence goes through the relay's gossip only
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
    await expect(member(a, b.peerId)).toHaveAttribute('data-link', 'relayed')

    await startCall(a)
    await joinCall(b)
    await receivesMediaFrom(a, b.peerId)
    await receivesMediaFrom(b, a.peerId)
    // libp2p stayed relayed: the signaling went through the relay
    await expect(member(a, b.peerId)).toHaveAttribute('data-link', 'relayed')
    await expect(member(b, a.peerId)).toHaveAttribute('data-link', 'relayed')
  } finally {
    await closeAll(apps)
    await relay.stop()
  }
})
