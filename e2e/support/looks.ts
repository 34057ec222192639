import AxeBuilder from '@axe-core/playwright'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { expect, test } from './test.js'
import { APP_PERMISSIONS } from './app.js'

export interface Size { width: number, height: number }

/** A phone (an iPhone 12–15's CSS viewport) and a laptop. */
export const PHONE: Size = { width: 390, height: 844 }
export const LAPTOP: Size = { width: 1280, height: 800 }

/** A browser context with the app's permissions and this viewport; `setup` runs on it before any page opens. */
export async function contextOf (browser: Browser, viewport: Size, setup?: (context: BrowserContext) => Promise<void>): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, permissions: APP_PERMISSIONS })
  await setup?.(context)
  return context
}

/** A screenshot of the whole page, kept with the test's results (test-results/<test>/<name>.png) and attached to its report. */
export async function keepScreenshot (page: Page, name: string): Promise<string> {
  const path = test.info().outputPath(`${name.replace(/[^\w×-]+/g, '-')}.png`)
  // from the top: a page scrolled down draws its sticky header part way down a full-page screenshot
  await page.evaluate(() => { window.scrollTo(0, 0) })
  await page.screenshot({ path, fullPage: true })
  await test.info().attach(name, { path, contentType: 'image/png' })
  return path
}

/** The serious and critical accessibility violations axe-core finds on the page, one line each (rule, help, elements). */
export async function seriousViolations (page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze()
  return results.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact ?? ''} ${v.id}: ${v.help} — ${v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', ')}${v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : ''}`)
}

/** How much wider than the viewport the page is (0: no horizontal scrolling), and the widest elements past its right edge. */
export async function horizontalOverflow (page: Page): Promise<{ by: number, culprits: string[] }> {
  return page.evaluate(() => {
    const root = document.scrollingElement ?? document.documentElement
    const width = root.clientWidth
    const culprits = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter(el => el.getBoundingClientRect().right > width + 0.5)
      .map(el => `${el.tagName.toLowerCase()}${el.id === '' ? '' : `#${el.id}`}${el.classList.length === 0 ? '' : `.${[...el.classList].join('.')}`} (${Math.round(el.getBoundingClientRect().right)} px)`)
      .slice(0, 8)
    return { by: root.scrollWidth - width, culprits }
  })
}

/**
 * Looks at the page as it is now, at each size: no serious or critical axe violation, no horizontal overflow on
 * a phone-wide viewport (soft checks: every view is looked at, and the test fails at its end), and a full-page
 * screenshot named `<name>, <width>×<height>`. The viewport is left at the last size.
 */
export async function look (page: Page, name: string, sizes: Size[] = [LAPTOP, PHONE]): Promise<void> {
  for (const size of sizes) {
    await page.setViewportSize(size)
    const label = `${name}, ${size.width}×${size.height}`
    await keepScreenshot(page, label)
    expect.soft(await seriousViolations(page), `serious or critical accessibility violations in ${label}`).toEqual([])
    if (size.width <= PHONE.width) {
      expect.soft(await horizontalOverflow(page), `horizontal overflow in ${label}`).toEqual({ by: 0, culprits: [] })
    }
  }
}
