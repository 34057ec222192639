import { expect, type Browser } from '@playwright/test'
import { appUrl, openApp, type AppPage } from './app.js'

/** Creates a room in `app` and returns its link fragment (`#/r/<id>/<key>`). */
export async function createRoom (app: AppPage): Promise<string> {
  await app.page.getByRole('button', { name: 'New room' }).click()
  await expect(app.page).toHaveURL(/#\/r\/[\w-]+\/[\w-]+$/)
  return new URL(app.page.url()).hash
}

/** Opens a room link in a fresh browser context. */
export async function openRoom (browser: Browser, relays: string[], fragment: string, name: string): Promise<AppPage> {
  const app = await openApp(browser, relays, name, undefined, fragment)
  await setName(app, name)
  return app
}

export async function setName (app: Pick<AppPage, 'page'>, name: string): Promise<void> {
  await app.page.getByRole('textbox', { name: 'Display name' }).fill(name)
  await app.page.getByRole('button', { name: 'Save name' }).click()
}

export async function send (app: AppPage, text: string): Promise<void> {
  await app.page.getByRole('textbox', { name: 'Message' }).fill(text)
  await app.page.getByRole('button', { name: 'Send' }).click()
}

export function messages (app: AppPage) {
  return app.page.getByRole('log', { name: 'Messages' }).locator('[data-message-id]')
}

/** [id, text] of every message in the log, in display order. */
export async function history (app: AppPage): Promise<Array<[string, string]>> {
  return messages(app).evaluateAll(nodes => nodes.map(n => [n.getAttribute('data-message-id') ?? '', n.querySelector('.text')?.textContent ?? '']))
}

export function member (app: AppPage, peerId: string) {
  return app.page.getByRole('list', { name: 'Members' }).locator(`[data-peer-id="${peerId}"]`)
}

/** Ann creates a room, Bob joins it by its link, and each sees the other online. */
export async function roomOfTwo (browser: Browser, relays: string[]): Promise<{ a: AppPage, b: AppPage, link: string }> {
  const a = await openApp(browser, relays, 'Ann')
  const link = await createRoom(a)
  const b = await openRoom(browser, relays, link, 'Bob')
  await expect(member(a, b.peerId)).toHaveAttribute('data-state', 'online')
  return { a, b, link }
}

export { appUrl }

/** The same room link (`#/r/<id>/<key>`) with one byte of its key changed: the right room id, a wrong key. */
export function withChangedKey (fragment: string): string {
  const match = /^(#\/r\/[\w-]+\/)([\w-]+)$/.exec(fragment)
  if (match == null) throw new Error(`not a room link fragment: ${fragment}`)
  const key = Buffer.from(match[2]!, 'base64url')
  key[0] = key[0]! ^ 0xff
  return match[1]! + key.toString('base64url')
}
