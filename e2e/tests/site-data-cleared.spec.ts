import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { openApp, readPeerId } from '../support/app.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { counters, dropFiles, fileRow, idbKeys, joinRoom, limitUploads, makeFile, MiB, opfsSha256, saveToOpfs } from '../support/files.js'
import { clearSiteData } from '../support/storage.js'

/** Downloads here take longer than the default expect timeout on a slow machine. */
const TRANSFER_TIMEOUT = 120_000

/** What Ann serves, bytes/s (the app's `?upload-limit=`): the large file takes about 15 s, so it is cleared half way. */
const UPLOAD_LIMIT = '200k'

const CLEARED = 'storage for this site was cleared'

/*
 * What a clear does in Chromium, measured first (DevTools Storage.clearDataForOrigin, IndexedDB only and "all", on a
 * page of the app's origin): every open connection gets a `close` event before the clear returns; a transaction
 * started on it afterwards throws InvalidStateError; the transactions in flight fail before the `close` event, with
 * an AbortError, an UnknownError ("Force close delete origin") or no error at all; an `open` issued from the `close`
 * event fails too ("AbortError: The connection was closed"), one 200 ms later creates the database anew, empty.
 * idb-keyval, which the stores used, opens again after `close`, so the app went on
 * silently on empty databases: files still shown complete whose blocks were gone, a download whose record of held
 * blocks was stale, and rooms, their keys and history written nowhere until the next message, so a reload lost them.
 */
test('site data cleared while the app runs: nothing is shown complete whose blocks are gone, the user is told once, the download in progress completes exactly, and the room goes on', async ({ browser }) => {
  const relay = await startRelay()
  try {
    // Ann serves slowly, so Bob's second download is still running when his site data is cleared
    const a = await openApp(browser, [relay.infoUrl], 'Ann')
    await limitUploads(a, UPLOAD_LIMIT)
    await setName(a, 'Ann')
    const link = await createRoom(a)
    const b = await joinRoom(browser, [relay.infoUrl], link, 'Bob', saveToOpfs)
    await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')

    await send(a, 'before the clear')
    const small = await makeFile(300_000, 'small.bin')
    const large = await makeFile(3 * MiB, 'large.bin')
    await dropFiles(a.page, a.page.locator('section.conversation'), [small, large])
    const own = await makeFile(50_000, 'bob shared.bin')
    await dropFiles(b.page, b.page.locator('section.conversation'), [own])
    await expect(fileRow(b, own.name)).toHaveAttribute('data-state', 'complete')
    await expect(messages(b)).toHaveCount(4)

    // Bob downloads the small file completely, and starts the large one (saved into the picked file while it downloads)
    const bSmall = fileRow(b, small.name)
    await bSmall.getByRole('link', { name: `Download ${small.name}` }).click()
    await expect(bSmall).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    const bLarge = fileRow(b, large.name)
    await bLarge.getByRole('link', { name: `Download ${large.name}` }).click()
    await expect(bLarge).toHaveAttribute('data-save', 'saving')
    await expect.poll(async () => (await counters(bLarge)).blocks, { timeout: TRANSFER_TIMEOUT }).toBeGreaterThan(2)
    expect((await counters(bLarge)).state).toBe('downloading')

    // tried: "Clear site data" of IndexedDB while the app runs and the large download is half way
    await clearSiteData(b.page, 'indexeddb')

    // one notice, in words (the identity's, since the identity went too, and was written back)
    const notice = b.page.getByRole('alert', { name: 'Identity notice' })
    await expect(notice).toHaveAttribute('data-kind', 'restored')
    await expect(notice).toContainText('has been restored')
    await expect(notice).toContainText(`The browser's ${CLEARED} while Peerlink ran`)
    await expect(notice).toContainText('2 files are no longer stored here')
    await expect(notice).toContainText('1 room and 4 messages were written back')
    await expect(b.page.getByRole('alert', { name: 'Storage notice' })).toHaveCount(0)

    // the files held are no longer shown complete: the download says how to get it back, the share that it is not served
    await expect(bSmall).toHaveAttribute('data-state', 'failed')
    await expect(bSmall).toContainText(`${CLEARED}: this file is no longer stored here. Press "Resume" to download it again.`)
    await expect(bSmall.getByRole('button', { name: 'Delete' })).toHaveCount(0)
    const bOwn = fileRow(b, own.name)
    await expect(bOwn).toHaveAttribute('data-state', 'failed')
    await expect(bOwn).toContainText('can no longer be served to others')

    // the download in progress starts again, fetches what was lost from Ann, and is saved exactly
    await expect(bLarge).toHaveAttribute('data-save', 'saved', { timeout: TRANSFER_TIMEOUT })
    const done = await counters(bLarge)
    expect(done.state).toBe('complete')
    expect(done.skipped + done.fetched).toBe(done.totalBlocks)
    expect(await opfsSha256(b.page, large.name)).toBe(large.sha256)

    // Resume fetches the small file again, and it saves exactly
    await bSmall.getByRole('button', { name: 'Resume' }).click()
    await expect(bSmall).toHaveAttribute('data-state', 'complete', { timeout: TRANSFER_TIMEOUT })
    await expect(bSmall).not.toContainText(CLEARED)
    await b.page.evaluate(async (name) => { await (await navigator.storage.getDirectory()).removeEntry(name) }, small.name)
    await bSmall.getByRole('link', { name: `Download ${small.name}` }).click()
    await expect.poll(async () => opfsSha256(b.page, small.name).catch(() => '')).toBe(small.sha256)

    // the room still delivers both ways, and its messages are stored again
    await send(a, 'after the clear, from Ann')
    await expect(messages(b).filter({ hasText: 'after the clear, from Ann' })).toHaveCount(1)
    await send(b, 'after the clear, from Bob')
    await expect(messages(a).filter({ hasText: 'after the clear, from Bob' })).toHaveCount(1)
    expect(await idbKeys(b.page, 'peerlink-rooms', 'kv')).toContain('rooms')

    // a reload without the room's link still has the room (written back) and its whole history
    await b.page.goto(b.page.url().split('#')[0]!)
    await b.page.reload()
    expect(await readPeerId(b.page)).toBe(b.peerId)
    await b.page.getByRole('list', { name: 'Rooms' }).getByRole('link').first().click()
    await expect(messages(b)).toHaveCount(6)
    await expect(messages(b).filter({ hasText: 'before the clear' })).toHaveCount(1)
    // and the files as they are now: the large one complete and readable, the share still not served
    await expect(fileRow(b, large.name)).toHaveAttribute('data-state', 'complete')
    await expect(fileRow(b, own.name)).toHaveAttribute('data-state', 'failed')
  } finally {
    await relay.stop()
  }
})
