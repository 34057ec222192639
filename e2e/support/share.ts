import { expect, type BrowserContext, type Page } from '@playwright/test'

/**
 * Sets up a context as an installed app runs: its URL carries no `?relay=` (the share sheet opens the manifest's
 * share target, then the app's own address), so its relays are the server's `config.json`, answered here with
 * `relays` as a deployment serves it (vite preview has none). Open the app with no relays in its URL.
 */
export function serverRelays (relays: string[]): (context: BrowserContext) => Promise<void> {
  return async (context) => {
    await context.route('**/config.json', async route => route.fulfill({ status: 200, contentType: 'application/json', headers: { 'cache-control': 'no-cache' }, body: JSON.stringify({ relays }) }))
  }
}

/** What another app hands to the share sheet. */
export interface SharedThing {
  title?: string
  text?: string
  url?: string
  /** Paths of files to share (none: a text-only share, with an empty file field as a browser may send). */
  paths?: string[]
}

/**
 * Shares to Peerlink as the system's share sheet does: a real multipart POST navigation to the manifest's
 * share target (`<scope>share-target`), from a form built in the page with its fields named as the manifest's
 * `params` say and its files set through the file input. The page must be controlled by the service worker
 * (see `controlled`), which answers with a 303 to the share view; returns the share id from `#/share/<id>`.
 */
export async function shareToPeerlink (page: Page, thing: SharedThing): Promise<string> {
  const manifest = await page.evaluate(async () => {
    const href = document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.href
    if (href == null) throw new Error('the page links no manifest')
    const json = await (await fetch(href)).json() as { share_target: { action: string, method: string, enctype: string } }
    return { ...json.share_target, action: new URL(json.share_target.action, href).href }
  })
  await page.evaluate(({ manifest, thing }) => {
    const form = document.createElement('form')
    form.method = manifest.method
    form.enctype = manifest.enctype
    form.action = manifest.action
    for (const name of ['title', 'text', 'url'] as const) {
      const value = thing[name]
      if (value == null) continue
      const input = document.createElement('input')
      input.type = 'hidden'
      input.name = name
      input.value = value
      form.append(input)
    }
    const files = document.createElement('input')
    files.type = 'file'
    files.name = 'files'
    files.multiple = true
    files.id = 'share-target-files'
    form.append(files)
    form.id = 'share-target-form'
    document.body.append(form)
  }, { manifest, thing })
  if ((thing.paths ?? []).length > 0) await page.locator('#share-target-files').setInputFiles(thing.paths ?? [])
  await page.evaluate(() => { document.querySelector<HTMLFormElement>('#share-target-form')!.submit() })
  await expect(page).toHaveURL(/#\/share\/[\w-]+$/)
  return decodeURIComponent(new URL(page.url()).hash.replace(/^#\/share\//, ''))
}

/** The share view ("Share to Peerlink"). */
export function shareView (page: Page) {
  return page.getByRole('region', { name: 'Share to Peerlink' })
}
