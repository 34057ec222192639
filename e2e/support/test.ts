import { test as base } from '@playwright/test'

export { expect } from '@playwright/test'

/**
 * Playwright's test, plus: every browser context a test opened (openApp's
 * fresh contexts) is closed when it ends. The browser lives as long as the
 * worker, so without this the pages of every earlier test kept running their
 * peers (dialling relays long gone) and storage for the rest of the run, and
 * the last tests starved.
 */
export const test = base.extend<{ closeContexts: undefined }>({
  closeContexts: [async ({ browser }, use) => {
    const before = new Set(browser.contexts())
    await use(undefined)
    for (const context of browser.contexts()) {
      if (!before.has(context)) await context.close().catch(() => {})
    }
  }, { auto: true }]
})
