import { expect, type Locator } from '@playwright/test'
import type { AppPage } from './app.js'

/**
 * Appended to a page's query (after the `?relay=` parameters openApp puts
 * there): the page makes no direct libp2p WebRTC connections, so members
 * reach each other only through the relay. Call media still flows over the
 * call's own peer connections.
 */
export const RELAY_ONLY = '&webrtc=off'

/** The call area of the open room. */
export function callPanel (app: Pick<AppPage, 'page'>): Locator {
  return app.page.getByRole('region', { name: 'Call' })
}

/** The tile of a participant in the call grid, by PeerId (its accessible name is the display name). */
export function tile (app: AppPage, peerId: string): Locator {
  return callPanel(app).getByRole('figure').and(app.page.locator(`[data-peer-id="${peerId}"]`))
}

export function tiles (app: AppPage): Locator {
  return callPanel(app).getByRole('figure')
}

export async function startCall (app: AppPage): Promise<void> {
  await callPanel(app).getByRole('button', { name: 'Start call' }).click()
  await expect(callPanel(app).getByRole('button', { name: 'Leave call' })).toBeVisible()
}

/** Waits for "Join call" (someone is in the call) and presses it. */
export async function joinCall (app: AppPage): Promise<void> {
  await callPanel(app).getByRole('button', { name: 'Join call' }).click()
  await expect(callPanel(app).getByRole('button', { name: 'Leave call' })).toBeVisible()
}

export async function leaveCall (app: AppPage): Promise<void> {
  await callPanel(app).getByRole('button', { name: 'Leave call' }).click()
  await expect(callPanel(app).getByRole('button', { name: /^(Join|Start) call$/ })).toBeVisible()
}

/** A number the tile shows in a data attribute, updated from the peer connection's getStats. */
export async function stat (app: AppPage, peerId: string, name: 'frames-decoded' | 'audio-bytes'): Promise<number> {
  return Number(await tile(app, peerId).getAttribute(`data-${name}`) ?? 'NaN')
}

/**
 * How long a new peer connection may take to deliver its first frames: ICE,
 * DTLS and the first key frame, on a loaded two-core machine running three
 * pages that each encode and decode video.
 */
const FIRST_MEDIA_MS = 60_000

/** Waits until `app` decodes video frames and receives audio from `peerId`, and both keep increasing. */
export async function receivesMediaFrom (app: AppPage, peerId: string): Promise<void> {
  try {
    await expect.poll(async () => stat(app, peerId, 'frames-decoded'), { message: `video frames from ${peerId}`, timeout: FIRST_MEDIA_MS }).toBeGreaterThan(0)
    await expect.poll(async () => stat(app, peerId, 'audio-bytes'), { message: `audio from ${peerId}`, timeout: FIRST_MEDIA_MS }).toBeGreaterThan(0)
    await stillReceivingFrom(app, peerId)
  } catch (err) {
    // say what the tile showed: connection and signaling states, what the peer sends
    const attributes = await tile(app, peerId).evaluate(e => [...e.attributes].filter(a => a.name.startsWith('data-')).map(a => `${a.name}=${a.value}`).join(' ')).catch(() => 'no tile')
    throw new Error(`${(err as Error).message}\ntile of ${peerId} at ${app.peerId}: ${attributes}`, { cause: err })
  }
}

/** Closes the browser contexts of `apps` (their calls end with them). */
export async function closeAll (apps: AppPage[]): Promise<void> {
  await Promise.all(apps.map(async app => app.context.close()))
}

/** Waits until more video frames from `peerId` are decoded than now. */
export async function stillReceivingFrom (app: AppPage, peerId: string): Promise<void> {
  const frames = await stat(app, peerId, 'frames-decoded')
  const bytes = await stat(app, peerId, 'audio-bytes')
  await expect.poll(async () => stat(app, peerId, 'frames-decoded'), { message: `more video frames from ${peerId}` }).toBeGreaterThan(frames)
  await expect.poll(async () => stat(app, peerId, 'audio-bytes'), { message: `more audio from ${peerId}` }).toBeGreaterThan(bytes)
}

/** Waits until the count of decoded frames from `peerId` holds still between two reads a second apart. */
export async function noFramesFrom (app: AppPage, peerId: string): Promise<void> {
  let last = -1
  await expect.poll(async () => {
    const frames = await stat(app, peerId, 'frames-decoded')
    const still = frames === last
    last = frames
    return still
  }, { message: `video frames from ${peerId} stop`, intervals: [1000] }).toBe(true)
}
