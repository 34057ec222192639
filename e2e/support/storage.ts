import type { BrowserContext, Page } from '@playwright/test'

/** What this origin stores now (IndexedDB, caches, OPFS), as the page's `navigator.storage.estimate()` says. */
export async function storageUsage (page: Page): Promise<number> {
  return page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0)
}

/** A quota override on the app's origin, held by a DevTools session (the override ends with it). */
export interface QuotaLimit {
  /** Sets the origin's quota to `bytes` in all (raising works at any time; see limitQuota). */
  set(bytes: number): Promise<void>
}

/**
 * Limits the app origin's storage quota to `bytes` in all (DevTools `Storage.overrideQuotaForOrigin`), as a full disk
 * or a browser's quota would: writes beyond it fail with QuotaExceededError. Call it before the app first opens
 * IndexedDB in `context` (e.g. in openApp's `setup`): measured here, Chromium applied an override set before the
 * site's IndexedDB was first opened, and a later raise, but not a cut set after the site had already written with
 * room to spare. It opens a page of the origin on a static file (no script) whose session holds the override.
 * (`navigator.storage.estimate()` keeps reporting the browser's own quota.)
 */
export async function limitQuota (context: BrowserContext, bytes: number): Promise<QuotaLimit> {
  const page = await context.newPage()
  await page.goto('/favicon.svg')
  const origin = new URL(page.url()).origin
  const cdp = await context.newCDPSession(page)
  const set = async (quotaSize: number): Promise<void> => { await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize }) }
  await set(bytes)
  return { set }
}

/** Clears this origin's site data of the given kinds (DevTools `Storage.clearDataForOrigin`), as "Clear site data" does. */
export async function clearSiteData (page: Page, storageTypes = 'indexeddb'): Promise<void> {
  const origin = new URL(page.url()).origin
  const cdp = await page.context().newCDPSession(page)
  try {
    await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes })
  } finally {
    await cdp.detach()
  }
}
