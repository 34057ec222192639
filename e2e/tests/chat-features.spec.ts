/**
 * The chat people expect, between browsers through a real relay: a room name
 * any member sets, replies, reactions, edits and deletions of one's own
 * messages (also for a late joiner after a reload, by history sync), a
 * member's forged edit or deletion of another's message dropped, a typing
 * line that expires, links made clickable and never fetched, and "Leave
 * room" asking before it forgets the room.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryChunkStore, parseRoomLink, type Peerlink } from '@peerlink/core'
import { expect, test } from '../support/test.js'
import { startRelay } from '../../relay/test/support/relay-process.js'
import { sealEnvelope } from '../../packages/core/src/rooms/crypto.js'
import { encodeEnvelope } from '../../packages/core/src/rooms/envelope.js'
import type { Payload } from '../../packages/core/src/rooms/payload.js'
import { member, messages, openRoom, roomOfTwo, send, setName } from '../support/chat.js'
import { idbKeys, nodePeer } from '../support/files.js'
import type { AppPage } from '../support/app.js'
import type { Page } from '@playwright/test'

function message (app: AppPage, text: string) {
  return messages(app).filter({ hasText: text })
}

function byId (app: AppPage, id: string) {
  return app.page.locator(`[data-message-id="${id}"]`)
}

function button (scope: ReturnType<typeof message>, name: string) {
  return scope.getByRole('button', { name, exact: true })
}

async function rename (app: AppPage, name: string): Promise<void> {
  const box = app.page.getByRole('textbox', { name: 'Room name' })
  await box.fill(name)
  await box.press('Enter')
}

/** What a member sees of the room after the first part of the first test. */
async function expectTheRoom (app: AppPage, ids: { question: string, answer: string, typo: string }): Promise<void> {
  await expect(app.page.getByRole('heading', { name: 'Reading group' })).toBeVisible()
  await expect(app.page).toHaveTitle('Reading group · Peerlink')
  await expect(app.page.getByRole('textbox', { name: 'Room name' })).toHaveValue('Reading group')
  const answer = byId(app, ids.answer)
  await expect(answer.locator('.text')).toHaveText('Me, and my sister!')
  await expect(answer).toHaveAttribute('data-edited', 'true')
  await expect(answer).toContainText('edited')
  await expect(answer).toHaveAttribute('data-reply-to', ids.question)
  await expect(answer.locator('.quote')).toContainText('Who reads Dune?')
  await expect(answer.getByRole('button', { name: '👍 1: Bob', exact: true })).toBeVisible()
  const typo = byId(app, ids.typo)
  await expect(typo).toHaveAttribute('data-deleted', 'true')
  await expect(typo).toContainText('deleted')
  await expect(typo).not.toContainText('typo mesage')
  await expect(messages(app)).toHaveCount(3)
}

test('two members see each other\'s room name, replies, reactions, edits and deletions; so does a late joiner, after a reload too', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b, link } = await roomOfTwo(browser, [relay.infoUrl])
    await setName(a, 'Ann')

    // any member names the room, the latest name wins: in the header, the list and the tab
    await rename(a, 'Book club')
    await expect(b.page.getByRole('heading', { name: 'Book club' })).toBeVisible()
    await expect(b.page).toHaveTitle('Book club · Peerlink')
    await rename(b, 'Reading group')
    await expect(a.page.getByRole('heading', { name: 'Reading group' })).toBeVisible()
    await expect(a.page.getByRole('list', { name: 'Rooms' }).getByRole('listitem')).toContainText('Reading group')
    await expect(a.page).toHaveTitle('Reading group · Peerlink')

    // a reply shows the message it answers
    await send(a, 'Who reads Dune?')
    const question = await message(b, 'Who reads Dune?').getAttribute('data-message-id') ?? ''
    await button(byId(b, question), 'Reply').click()
    await expect(b.page.locator('.composer-context')).toContainText('Replying to Ann: Who reads Dune?')
    await send(b, 'Me!')
    await expect(b.page.locator('.composer-context')).toHaveCount(0)
    const answerId = await message(a, 'Me!').getAttribute('data-message-id') ?? ''
    const answer = byId(a, answerId)
    await expect(answer).toHaveAttribute('data-reply-to', question)
    await expect(answer.locator('.quote')).toContainText('Who reads Dune?')

    // reactions: counts per emoji, who reacted, toggled off
    await button(answer, 'React').click()
    await answer.getByRole('button', { name: 'React with 👍', exact: true }).click()
    await expect(answer.getByRole('button', { name: /^👍 1: Ann$/ })).toBeVisible()
    await button(byId(b, answerId), 'React').click()
    await byId(b, answerId).getByRole('button', { name: 'React with 👍', exact: true }).click()
    await expect(answer.getByRole('button', { name: '👍 2: Ann, Bob', exact: true })).toHaveAttribute('aria-pressed', 'true')
    await expect(byId(b, answerId).getByRole('button', { name: '👍 2: Ann, Bob', exact: true })).toBeVisible()
    await answer.getByRole('button', { name: '👍 2: Ann, Bob', exact: true }).click()
    await expect(byId(b, answerId).getByRole('button', { name: '👍 1: Bob', exact: true })).toBeVisible()
    await expect(answer.getByRole('button', { name: '👍 1: Bob', exact: true })).toHaveAttribute('aria-pressed', 'false')

    // only one's own messages can be edited or deleted
    await expect(button(answer, 'Edit')).toHaveCount(0)
    await expect(button(answer, 'Delete')).toHaveCount(0)
    await button(byId(b, answerId), 'Edit').click()
    await expect(b.page.getByRole('textbox', { name: 'Message' })).toHaveValue('Me!')
    await send(b, 'Me, and my sister!')
    await expect(answer.locator('.text')).toHaveText('Me, and my sister!')
    await expect(answer).toHaveAttribute('data-edited', 'true')

    await send(a, 'typo mesage')
    const typoId = await message(b, 'typo mesage').getAttribute('data-message-id') ?? ''
    await button(byId(a, typoId), 'Delete').click()
    await expect(byId(b, typoId)).toHaveAttribute('data-deleted', 'true')

    const ids = { question, answer: answerId, typo: typoId }
    for (const app of [a, b]) await expectTheRoom(app, ids)

    // a late joiner gets all of it by history sync, and keeps it across a reload
    const c = await openRoom(browser, [relay.infoUrl], link, 'Cid')
    await expectTheRoom(c, ids)
    await c.page.reload()
    await expectTheRoom(c, ids)
  } finally {
    await relay.stop()
  }
})

test('a member\'s forged edit or deletion of another member\'s message is dropped and never shown', async ({ browser }) => {
  const relay = await startRelay()
  let mallory: Peerlink | undefined
  try {
    const { a, b, link } = await roomOfTwo(browser, [relay.infoUrl])
    await send(a, 'the original')
    const id = await message(a, 'the original').getAttribute('data-message-id') ?? ''

    // Mallory holds the link (a member), runs other software, and signs with her own key
    const key = await generateKeyPair('Ed25519')
    mallory = await nodePeer(relay.infoUrl, new MemoryChunkStore(), key)
    const room = await mallory.rooms.join(parseRoomLink(link))
    await expect(member(a, mallory.peerId)).toHaveAttribute('data-state', 'online')
    await expect.poll(() => room.messages().some(m => m.id === id)).toBe(true)
    const forged = async (payload: Payload): Promise<Uint8Array> => encodeEnvelope(await sealEnvelope({
      keys: room.keys, topic: room.topic, privateKey: key, author: mallory!.peerId, hlc: { wall: Date.now(), counter: 0 }, payload
    }))
    // tried: an edit and a deletion of Ann's message, sealed and signed as any member's message is
    const pubsub = mallory.libp2p.services.pubsub
    await pubsub.publish(room.topic, await forged({ k: 'edit', target: id, text: 'forged by Mallory' }))
    await pubsub.publish(room.topic, await forged({ k: 'delete', target: id, hlc: { wall: Date.now(), counter: 0 } }))
    await room.send('Mallory was here')

    for (const app of [a, b]) {
      await expect(app.page.locator('.dropped')).toContainText('2 changing another member\'s message')
      await expect(message(app, 'Mallory was here')).toBeVisible()
      const original = byId(app, id)
      await expect(original.locator('.text')).toHaveText('the original')
      await expect(original).not.toHaveAttribute('data-edited')
      await expect(original).not.toHaveAttribute('data-deleted')
      await expect(messages(app).filter({ hasText: 'forged by Mallory' })).toHaveCount(0)
    }
  } finally {
    await mallory?.stop()
    await relay.stop()
  }
})

test('typing shows and expires; links are clickable and never fetched; "Leave room" asks, then forgets the room for good', async ({ browser }) => {
  const relay = await startRelay()
  try {
    const { a, b } = await roomOfTwo(browser, [relay.infoUrl])
    const typing = a.page.locator('.typing')

    // Bob types and stops: Ann sees it, then it goes away on its own
    await b.page.getByRole('textbox', { name: 'Message' }).pressSequentially('half a thou')
    await expect(typing).toHaveText('Bob is typing…')
    await expect(typing).toHaveText('', { timeout: 15_000 })
    // sending ends it at once
    await b.page.getByRole('textbox', { name: 'Message' }).pressSequentially('ght')
    await expect(typing).toHaveText('Bob is typing…')
    await b.page.getByRole('button', { name: 'Send' }).click()
    await expect(message(a, 'half a thought')).toBeVisible()
    await expect(typing).toHaveText('')

    // a link is a link, opened in a new tab without referrer or opener; nothing fetches it
    const fetched: string[] = []
    for (const app of [a, b]) {
      await app.context.route(/link\.example/, async route => {
        fetched.push(route.request().url())
        await route.abort()
      })
    }
    await send(b, 'read https://link.example/article?x=1, and javascript:alert(1)')
    const link = message(a, 'read https://').getByRole('link')
    await expect(link).toHaveCount(1)
    await expect(link).toHaveText('https://link.example/article?x=1')
    await expect(link).toHaveAttribute('href', 'https://link.example/article?x=1')
    await expect(link).toHaveAttribute('target', '_blank')
    await expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow')
    await expect(message(b, 'read https://').getByRole('link')).toHaveCount(1)
    // a message after it has arrived and is shown: the link's page would have been requested by now
    await send(b, 'after the link')
    await expect(message(a, 'after the link')).toBeVisible()
    expect(fetched).toEqual([])

    // leaving asks first; cancelling keeps the room
    const roomId = await a.page.locator('[data-room-id]').first().getAttribute('data-room-id') ?? ''
    await a.page.getByRole('button', { name: 'Leave room', exact: true }).click()
    const ask = a.page.getByRole('alertdialog')
    await expect(ask).toContainText('Leave this room?')
    await ask.getByRole('button', { name: 'Cancel', exact: true }).click()
    await expect(ask).toHaveCount(0)
    await expect(messages(a)).toHaveCount(3)
    await a.page.getByRole('button', { name: 'Leave room', exact: true }).click()
    await a.page.getByRole('alertdialog').getByRole('button', { name: 'Leave and delete', exact: true }).click()
    await expectNoRoom(a.page, roomId)
    // the other member sees Ann go
    await expect(member(b, a.peerId)).toHaveAttribute('data-state', 'offline')
    await a.page.reload()
    await expectNoRoom(a.page, roomId)
  } finally {
    await relay.stop()
  }
})

/** The page is home, lists no room, and holds no message of the room. */
async function expectNoRoom (page: Page, roomId: string): Promise<void> {
  await expect(page).not.toHaveURL(/#\/r\//)
  await expect(page.getByRole('list', { name: 'Rooms' }).getByRole('listitem')).toHaveCount(0)
  await expect(page).toHaveTitle('Peerlink')
  expect(await idbKeys(page, `peerlink-room-${roomId}`, 'messages')).toEqual([])
}
