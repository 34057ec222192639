/**
 * Debian's Chromium through Playwright, with exactly the launch flags of the
 * e2e tests (read from playwright.config.ts), and app pages in fresh browser
 * contexts (own IndexedDB, own identity).
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import config from '../../playwright.config.ts'
import { appUrl, visit, type AppPage as E2eAppPage } from '../../e2e/support/app.ts'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** The e2e launch flags: headless, --allow-loopback-in-peer-connection, fake media devices. */
export function launchArgs (): string[] {
  return config.use?.launchOptions?.args ?? []
}

export async function launchBrowser (): Promise<Browser> {
  // the bench closes the browser itself on a signal, then stops the relay and the app server
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: launchArgs(), handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false })
}

export interface AppPage {
  name: string
  context: BrowserContext
  page: Page
  peerId: string
}

export interface OpenOptions {
  /** Relay entries (`?relay=` parameters). */
  relays: string[]
  /** Appended to the URL, e.g. a `#/f/…` or `#/r/…` fragment. */
  fragment?: string
  /** More query parameters, e.g. `{ 'upload-limit': '500k' }`. */
  query?: Record<string, string>
  /** Runs on the context before the page opens (init scripts). */
  setup?: (context: BrowserContext) => Promise<void>
  /** A context made by the caller (with its own permissions, e.g. the NAT lab's) instead of a fresh one from `browser`. */
  context?: BrowserContext
}

/**
 * Opens the app in a fresh context (or in `options.context`). A media
 * permission is granted: without one Chromium enumerates no network
 * interfaces and ICE finds no candidates on loopback.
 */
export async function openApp (browser: Browser, base: string, name: string, options: OpenOptions): Promise<AppPage> {
  const context = options.context ?? await browser.newContext({ permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'] })
  await options.setup?.(context)
  const page = await context.newPage()
  page.on('pageerror', err => { console.log(`  [${name} pageerror] ${err.message}`) })
  await page.goto(appUrl(options.relays, { base, query: options.query }) + (options.fragment ?? ''))
  // the app's main area carries our PeerId once the identity is loaded
  const main = page.locator('main[data-peer-id^="12D3KooW"]')
  await main.waitFor({ timeout: 60_000 })
  return { name, context, page, peerId: (await main.getAttribute('data-peer-id')) ?? '' }
}

/** The e2e helpers (e2e/support) take the e2e tests' page type; they use only its `page`, which the bench's has too. */
export function e2e (app: AppPage): E2eAppPage {
  return app as unknown as E2eAppPage
}

/** Waits until the relay holds a reservation for the page (its Diagnostics view says "reserved"; then back to the view it showed). */
export async function waitReserved (app: AppPage, relayPeerId: string, timeout = 60_000): Promise<void> {
  await visit(app.page, 'diagnostics', async () => {
    await app.page.getByRole('list', { name: 'Relays' }).getByRole('listitem')
      .filter({ hasText: relayPeerId }).filter({ hasText: 'reserved' }).waitFor({ timeout })
  })
}

/** Waits until `app` shows a direct (WebRTC) connection to `peerId` in its Diagnostics view (then back to the view it showed). */
export async function waitDirect (app: AppPage, peerId: string, timeout = 60_000): Promise<void> {
  await visit(app.page, 'diagnostics', async () => {
    await app.page.getByRole('list', { name: 'Peers' }).locator(`[data-peer-id="${peerId}"][data-direct="true"]`).first().waitFor({ timeout })
  })
}
