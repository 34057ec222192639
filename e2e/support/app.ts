import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'

export interface AppPage {
  context: BrowserContext
  page: Page
  peerId: string
  /** The listitem of a relay in the connection panel. */
  relayItem(peerId: string): Locator
  /** The listitem of a peer in the connection panel. */
  peerItem(peerId: string): Locator
  /** Waits until the relay holds a reservation for this page. */
  waitReserved(relayPeerId: string): Promise<void>
}

/** What every app page is granted: a media permission makes Chromium enumerate network interfaces (else ICE finds no candidates here). */
export const APP_PERMISSIONS = ['camera', 'microphone', 'clipboard-read', 'clipboard-write']

/**
 * Opens the app in a fresh browser context (its own IndexedDB, its own identity), at `base` or the test server;
 * or, given a context (a persistent one, with a profile on disk), in a new page of it.
 * `setup` runs on the context before the page opens (init scripts, for instance).
 */
export async function openApp (target: Browser | BrowserContext, relays: string[], name = 'peer', base?: string, fragment = '', setup?: (context: BrowserContext) => Promise<void>): Promise<AppPage> {
  const context = 'newContext' in target ? await target.newContext({ permissions: APP_PERMISSIONS }) : target
  await setup?.(context)
  const page = await context.newPage()
  page.on('pageerror', err => { console.log(`[${name} pageerror] ${err.message}`) })
  await page.goto((base == null ? appUrl(relays) : new URL(appUrl(relays), base).toString()) + fragment)
  const peerId = await readPeerId(page)
  return {
    context,
    page,
    peerId,
    relayItem: (id) => page.getByRole('list', { name: 'Relays' }).getByRole('listitem').filter({ hasText: id }),
    peerItem: (id) => page.getByRole('list', { name: 'Peers' }).locator(`[data-peer-id="${id}"]`),
    waitReserved: async (id) => {
      await expect(page.getByRole('list', { name: 'Relays' }).getByRole('listitem').filter({ hasText: id })).toContainText('reserved')
    }
  }
}

export function appUrl (relays: string[]): string {
  const query = relays.map(r => `relay=${encodeURIComponent(r)}`).join('&')
  return query === '' ? '/' : `/?${query}`
}

/** The PeerId shown as "Your ID". */
export async function readPeerId (page: Page): Promise<string> {
  const id = page.getByLabel('Your ID')
  await expect(id).toHaveText(/^12D3KooW\w+$/)
  return (await id.textContent()) ?? ''
}

/** Connects `from` to `to` by PeerId through the UI. */
export async function connectByPeerId (from: AppPage, to: AppPage): Promise<void> {
  await from.page.getByRole('textbox', { name: 'Peer ID' }).fill(to.peerId)
  await from.page.getByRole('button', { name: 'Connect' }).click()
}
