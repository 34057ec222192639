import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp } from '../support/app.js'
import { createRoom, member, setName } from '../support/chat.js'
import { controlled, fileRow, joinRoom, limitUploads, shareFiles } from '../support/files.js'
import { makeClip } from '../support/video.js'

/** What A serves, bytes/s: slower than the clip's bitrate, so B's download is slower than playback. */
const UPLOAD_LIMIT = '100k'

test('a shared WebM plays while it downloads, from the start and after a seek near the end', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    // A serves at most UPLOAD_LIMIT (the app's ?upload-limit= setting)
    await limitUploads(a, UPLOAD_LIMIT)
    await setName(a, 'Ann')
    // a 30 s clip at ~1 Mbit/s (~4.5 MB, 18 blocks): about 45 s to download at 100 kB/s
    const clip = await makeClip(a.page, 'clip.webm', { seconds: 30, width: 320, height: 240, fps: 15, bitrate: 1_000_000 })
    expect(clip.size).toBeGreaterThan(3_000_000)
    const link = await createRoom(a)
    const b = await joinRoom(browser, [relay.infoUrl], link, 'Bob')
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
    await controlled(b.page)

    await shareFiles(a, [clip.path])
    await expect(fileRow(a, 'clip.webm')).toHaveAttribute('data-state', 'complete')
    const row = fileRow(b, 'clip.webm')
    await row.getByRole('button', { name: 'Play clip.webm' }).click()
    const video = b.page.getByLabel('Video clip.webm')
    await expect(video).toBeVisible()

    // playing from the start: enough data, and the playhead moves, long before the download is done
    await expect.poll(async () => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(3)
    await expect.poll(async () => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(1)
    await expect(row).toHaveAttribute('data-state', 'downloading')
    const duration = await video.evaluate((v: HTMLVideoElement) => v.duration)
    expect(duration).toBeGreaterThan(29)
    expect(duration).toBeLessThan(31)

    // seeking near the end plays too: those blocks are fetched first, ahead of the old read and of the requests
    // already queued at A (cancelled). The player reads the cues at the end, then the last cluster: about six
    // 256 KiB blocks at 100 kB/s, so ~15 s on an idle machine; the rest of the file comes after them.
    await video.evaluate((v: HTMLVideoElement) => { v.currentTime = v.duration - 4 })
    await expect.poll(async () => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 90_000 }).toBeGreaterThan(duration - 3.5)
    await expect.poll(async () => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(3)
    const progress = Number(await row.getAttribute('data-blocks')) / Number(await row.getAttribute('data-total-blocks'))
    await expect(row).toHaveAttribute('data-state', 'downloading')
    expect(progress).toBeLessThan(1)

    // and the download still completes
    await expect(row).toHaveAttribute('data-state', 'complete', { timeout: 120_000 })
  } finally {
    await relay.stop()
  }
})
