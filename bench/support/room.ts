/**
 * Members of one room, each in its own page: waiting until they see each
 * other online, and then until their links to each other are direct.
 */
import { member } from '../../e2e/support/chat.ts'
import { e2e, type AppPage } from './browser.ts'

export interface Mesh {
  /** From the call → every page's Members list shows every other page online (or `timeoutMs` passed). */
  onlineMs: number
  /** The pairs (`a → b`: b's item in a's Members list) not online by then, with their `data-state`. */
  notOnline: string[]
  /** From the call → every link direct, or `directMs` after online. */
  directMs: number
  /** The pairs (`a → b`: b's item in a's Members list) whose link was not direct by then, with their `data-link`. */
  notDirect: string[]
  /** Each `data-link` value over every ordered pair at the end, counted. */
  links: Record<string, number>
}

/**
 * Waits (up to `timeoutMs`) until each page's Members list shows every other
 * page `data-state="online"`, then up to `directMs` more until each shows
 * every other `data-link="direct"`. A member still not online, or a link
 * still not direct, is reported, not an error.
 */
export async function waitMesh (pages: AppPage[], options: { timeoutMs: number, directMs: number }): Promise<Mesh> {
  const t0 = Date.now()
  const item = (a: AppPage, b: AppPage) => member(e2e(a), b.peerId)
  const pairs = pages.flatMap(a => pages.filter(b => b !== a).map(b => [a, b] as const))
  const notOnline: string[] = []
  await Promise.all(pairs.map(async ([a, b]) => {
    try {
      await item(a, b).and(a.page.locator('[data-state="online"]')).waitFor({ timeout: options.timeoutMs })
    } catch {
      notOnline.push(`${a.name} → ${b.name}: ${await item(a, b).getAttribute('data-state', { timeout: 1000 }).catch(() => null) ?? 'not listed'}`)
    }
  }))
  const onlineMs = Date.now() - t0
  const notDirect: string[] = []
  const links: Record<string, number> = {}
  const deadline = Date.now() + options.directMs
  await Promise.all(pairs.map(async ([a, b]) => {
    try {
      await item(a, b).and(a.page.locator('[data-link="direct"]')).waitFor({ timeout: Math.max(1, deadline - Date.now()) })
      links.direct = (links.direct ?? 0) + 1
    } catch {
      const link = await item(a, b).getAttribute('data-link', { timeout: 1000 }).catch(() => null) ?? 'unread (page busy)'
      links[link] = (links[link] ?? 0) + 1
      notDirect.push(`${a.name} → ${b.name}: ${link}`)
    }
  }))
  return { onlineMs, notOnline, directMs: Date.now() - t0, notDirect, links }
}
