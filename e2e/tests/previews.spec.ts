/**
 * Image and video previews in a room: the sender's browser makes a thumbnail
 * of each image and video it shares, the room message carries it (encrypted
 * with the room), and members see it at once, before downloading anything.
 * Small images download by themselves, large ones do not; late joiners get the
 * previews with the history. (A forged or oversized thumbnail from a hostile
 * member is refused in core's unit and fuzz tests.)
 */
import type { Locator } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, readPeerId, type AppPage } from '../support/app.js'
import { createRoom, member, openRoom, setName } from '../support/chat.js'
import { controlled, counters, fileRow, MiB, shareFiles } from '../support/files.js'
import { makePng } from '../support/images.js'
import { makeClip } from '../support/video.js'

/** Ann serves at most this many bytes/s (the app's `?upload-limit=`): the small image takes seconds to reach Bob. */
const UPLOAD_LIMIT = '100k'
const TRANSFER_TIMEOUT = 90_000

/** The size an `img` is drawn from (its picture's) and the size it is laid out at (its attributes). */
async function sizes (img: Locator): Promise<{ natural: [number, number], attributes: [number, number] }> {
  return img.evaluate((el: HTMLImageElement) => ({ natural: [el.naturalWidth, el.naturalHeight], attributes: [el.width, el.height] }))
}

/** The preview of file `name` in `app`'s room: the `img` named by the file name. */
function preview (app: AppPage, name: string): Locator {
  return app.page.getByRole('log', { name: 'Messages' }).getByRole('img', { name, exact: true })
}

test('members see image and video previews before downloading; a small image downloads by itself, a large one does not; a late joiner gets the previews with the history', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await a.page.goto(a.page.url().replace('/?', `/?upload-limit=${UPLOAD_LIMIT}&`))
    await readPeerId(a.page)
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await openRoom(browser, [relay.infoUrl], link, 'Bob')
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')

    // noise does not compress: the small image is ~0.8 MB (under 2 MiB, seconds at Ann's limit), the large one ~3.7 MB
    const small = await makePng('small photo.png', 600, 450, 'noise')
    const large = await makePng('large photo.png', 1280, 960, 'noise')
    expect(small.size).toBeLessThan(2 * MiB)
    expect(large.size).toBeGreaterThan(2 * MiB)
    const clip = await makeClip(a.page, 'clip.webm', { seconds: 3, width: 320, height: 240, fps: 15, bitrate: 500_000 })
    await shareFiles(a, [small.path, large.path, clip.path])

    // Bob sees each preview at once, drawn from the thumbnail, laid out at the full picture's shape
    const smallPreview = preview(b, 'small photo.png')
    await expect(smallPreview).toBeVisible()
    const atFirst = await sizes(smallPreview)
    expect(await fileRow(b, 'small photo.png').getAttribute('data-state')).not.toBe('complete')
    expect(atFirst.natural[0]).toBeLessThanOrEqual(320)
    expect(atFirst.natural[0] / atFirst.natural[1]).toBeCloseTo(600 / 450, 1)
    expect(atFirst.attributes).toEqual([320, 240])

    const largePreview = preview(b, 'large photo.png')
    await expect(largePreview).toBeVisible()
    const largeSizes = await sizes(largePreview)
    expect(largeSizes.natural[0]).toBeLessThanOrEqual(320)
    expect(largeSizes.attributes).toEqual([320, 240])

    // the video's preview is marked as one, with its length, and "Play clip.webm" is still there
    const clipPreview = preview(b, 'clip.webm')
    await expect(clipPreview).toBeVisible()
    expect((await sizes(clipPreview)).attributes).toEqual([320, 240])
    const clipRow = fileRow(b, 'clip.webm')
    await expect(clipRow.getByRole('link', { name: 'Play video clip.webm' })).toContainText('0:03')
    await expect(clipRow.getByRole('button', { name: 'Play clip.webm' })).toBeVisible()
    expect((await counters(clipRow)).fetched).toBe(0)

    // the small image downloads by itself, and then shows whole from Bob's store; the large one is not fetched
    const smallRow = fileRow(b, 'small photo.png')
    await expect(smallRow).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    await expect(smallRow.locator('.file-preview')).toHaveAttribute('data-preview', 'full')
    await expect.poll(async () => (await sizes(smallPreview)).natural).toEqual([600, 450])
    expect((await sizes(smallPreview)).attributes).toEqual([320, 240])
    const largeRow = fileRow(b, 'large photo.png')
    await expect(largeRow).toHaveAttribute('data-state', 'available')
    expect((await counters(largeRow)).fetched).toBe(0)
    // Ann's own previews show too
    await expect(preview(a, 'large photo.png')).toBeVisible()

    // clicking the video's preview plays it as "Play" does, streaming while it downloads
    await controlled(b.page)
    await clipRow.getByRole('link', { name: 'Play video clip.webm' }).click()
    await expect(b.page.getByLabel('Video clip.webm')).toBeVisible()
    await expect.poll(async () => b.page.getByLabel('Video clip.webm').evaluate((v: HTMLVideoElement) => v.readyState), { timeout: TRANSFER_TIMEOUT }).toBeGreaterThanOrEqual(2)

    // Cid joins later: the history sync brings the messages with their previews, and they are still there after a reload
    const c = await openRoom(browser, [relay.infoUrl], link, 'Cid')
    for (const name of ['small photo.png', 'large photo.png', 'clip.webm']) await expect(preview(c, name)).toBeVisible()
    await c.page.reload()
    await readPeerId(c.page)
    for (const name of ['small photo.png', 'large photo.png', 'clip.webm']) await expect(preview(c, name)).toBeVisible()
    expect((await sizes(preview(c, 'large photo.png'))).natural[0]).toBeLessThanOrEqual(320)
    await expect(fileRow(c, 'large photo.png')).toHaveAttribute('data-state', 'available')
  } finally {
    await relay.stop()
  }
})
