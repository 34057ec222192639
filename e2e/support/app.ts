import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'

export interface AppPage {
  context: BrowserContext
  page: Page
  peerId: string
  /** The listitem of a relay in the Diagnostics view (open it first: {@link openView}). */
  relayItem(peerId: string): Locator
  /** The listitem of a peer in the Diagnostics view (open it first: {@link openView}). */
  peerItem(peerId: string): Locator
  /** Waits until the relay holds a reservation for this page (seen in Diagnostics; then back to the view it showed). */
  waitReserved(relayPeerId: string): Promise<void>
}

/** What every app page is granted: a media permission makes Chromium enumerate network interfaces (else ICE finds no candidates here). */
export const APP_PERMISSIONS = ['camera', 'microphone', 'clipboard-read', 'clipboard-write']

/**
 * Opens the app in a fresh browser context (its own IndexedDB, its own identity), at `base` or the test server;
 * or, given a context (a persistent one, with a profile on disk), in a new page of it.
 * `suffix` is appended to the URL: more query parameters (`&webrtc=off`) and/or a fragment (`#/r/…`).
 * `setup` runs on the context before the page opens (init scripts, for instance).
 */
export async function openApp (target: Browser | BrowserContext, relays: string[], name = 'peer', base?: string, suffix = '', setup?: (context: BrowserContext) => Promise<void>): Promise<AppPage> {
  const context = 'newContext' in target ? await target.newContext({ permissions: APP_PERMISSIONS }) : target
  await setup?.(context)
  const page = await context.newPage()
  page.on('pageerror', err => { console.log(`[${name} pageerror] ${err.message}`) })
  // PEERLINK_E2E_DEBUG=<namespaces> (e.g. peerlink:calls*) prints the page's own logs of those namespaces
  const debug = process.env.PEERLINK_E2E_DEBUG
  if (debug != null && debug !== '') {
    await page.addInitScript((namespaces) => { localStorage.setItem('debug', namespaces) }, debug)
    page.on('console', msg => { if (msg.type() === 'debug' || msg.type() === 'log') console.log(`[${name} ${new Date().toISOString().slice(11, 23)}] ${msg.text().replaceAll('%c', '')}`) })
  }
  await page.goto(appUrl(relays, { base }) + suffix)
  const peerId = await readPeerId(page)
  return {
    context,
    page,
    peerId,
    relayItem: (id) => relayList(page).getByRole('listitem').filter({ hasText: id }),
    peerItem: (id) => page.getByRole('list', { name: 'Peers' }).locator(`[data-peer-id="${id}"]`),
    waitReserved: async (id) => {
      await visit(page, 'diagnostics', async () => {
        await expect(relayList(page).getByRole('listitem').filter({ hasText: id })).toContainText('reserved')
      })
    }
  }
}

/**
 * The app's URL with a `?relay=` for each of `relays` and `query`'s parameters after them: a path
 * (for the test server), or at `base` (the bench's app server, say).
 */
export function appUrl (relays: string[], { base, query = {} }: { base?: string | undefined, query?: Record<string, string> } = {}): string {
  const search = [...relays.map(r => ['relay', r] as const), ...Object.entries(query)].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')
  const path = search === '' ? '/' : `/?${search}`
  return base == null ? path : new URL(path, base).toString()
}

/** The relays in the Diagnostics view. */
export function relayList (page: Page): Locator {
  return page.getByRole('list', { name: 'Relays' })
}

/**
 * The page's PeerId once its identity is loaded, whatever view it shows: the
 * app's `data-peer-id` on its main area (the ID itself is shown in Settings, see {@link shownPeerId}).
 */
export async function readPeerId (page: Page): Promise<string> {
  const main = page.getByRole('main')
  await expect(main).toHaveAttribute('data-peer-id', /^12D3KooW\w+$/)
  return (await main.getAttribute('data-peer-id')) ?? ''
}

/** The PeerId shown as "Your ID" in Settings (opened if it is not). */
export async function shownPeerId (page: Page): Promise<string> {
  await openView(page, 'settings')
  const id = page.getByLabel('Your ID')
  await expect(id).toHaveText(/^12D3KooW\w+$/)
  return (await id.textContent()) ?? ''
}

export type View = 'settings' | 'diagnostics'

const VIEW_HEADINGS: Record<View, string> = { settings: 'Settings', diagnostics: 'Diagnostics' }

/** Opens Settings (the header's "Settings" button) or Diagnostics (from Settings), as a user would. */
export async function openView (page: Page, view: View): Promise<void> {
  const heading = page.getByRole('heading', { name: VIEW_HEADINGS[view], exact: true, level: 2 })
  if (await heading.isVisible()) return
  await page.getByRole('banner').getByRole('button', { name: 'Settings' }).click()
  if (view === 'diagnostics') await page.getByRole('link', { name: 'Diagnostics', exact: true }).click()
  await expect(heading).toBeVisible()
}

/** Opens `view`, runs `check`, and goes back to the route the page showed (a room is opened again). */
export async function visit (page: Page, view: View, check: () => Promise<void>): Promise<void> {
  const back = new URL(page.url()).hash
  await openView(page, view)
  try {
    await check()
  } finally {
    if (back !== new URL(page.url()).hash) {
      await page.evaluate((hash) => { location.hash = hash === '' ? '#/' : hash }, back)
      await expect(page.getByRole('heading', { name: VIEW_HEADINGS[view], exact: true, level: 2 })).toHaveCount(0)
    }
  }
}

/** Connects `from` to `to` by PeerId through Settings' "Connect to a peer" (the page stays in Settings). */
export async function connectByPeerId (from: AppPage, to: AppPage): Promise<void> {
  await openView(from.page, 'settings')
  await from.page.getByRole('textbox', { name: 'Peer ID' }).fill(to.peerId)
  await from.page.getByRole('button', { name: 'Connect' }).click()
}
