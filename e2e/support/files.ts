import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createPeer, loadOrCreateIdentity, MemoryChunkStore, MemoryKeyStore, MemoryTransferStore, parseRelayList,
  type ChunkStore, type Peerlink
} from '@peerlink/core'
import { expect, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test'
import { openApp, readPeerId, type AppPage } from './app.js'
import { setName } from './chat.js'
import type { PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export const MiB = 1024 * 1024

/** Reloads `app` so that it serves at most `limit` bytes/s to others (the app's `?upload-limit=`, k or m suffix). */
export async function limitUploads (app: AppPage, limit: string): Promise<void> {
  await app.page.goto(app.page.url().replace('/?', `/?upload-limit=${limit}&`))
  await readPeerId(app.page)
}

/** Random bytes written to a temporary file, with their SHA-256. */
export interface TestFile {
  name: string
  path: string
  bytes: Buffer
  sha256: string
}

export async function makeFile (size: number, name: string): Promise<TestFile> {
  const bytes = randomBytes(size)
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-file-'))
  const path = join(dir, name)
  await writeFile(path, bytes)
  return { name, path, bytes, sha256: sha256(bytes) }
}

export function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** SHA-256 of a file on disk, streamed. */
export async function sha256OfFile (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Picks files through the file chooser of a room's "Share files" button, or of the first screen's "Send files". */
export async function shareFiles (app: AppPage, paths: string[]): Promise<void> {
  const chooser = app.page.waitForEvent('filechooser')
  await app.page.getByRole('button', { name: /^(Share|Send) files$/ }).click()
  await (await chooser).setFiles(paths)
}

/** The row of a file, by its name (its "Download <name>" link). */
export function fileRow (app: AppPage, name: string): Locator {
  return app.page.locator('.file-row').filter({ has: app.page.getByRole('link', { name: `Download ${name}`, exact: true }) })
}

/** The row of a file, by root CID. */
export function rowOf (app: AppPage, cid: string): Locator {
  return app.page.locator(`.file-row[data-cid="${cid}"]`)
}

/** A row's transfer counters (its data attributes). */
export async function counters (row: Locator): Promise<{ state: string, blocks: number, totalBlocks: number, served: number, fetched: number, skipped: number, duplicates: number, sources: Record<string, number>, rejected: Record<string, string> }> {
  return row.evaluate(el => {
    const d = (el as HTMLElement).dataset
    return {
      state: d.state ?? '',
      blocks: Number(d.blocks),
      totalBlocks: Number(d.totalBlocks),
      served: Number(d.served),
      fetched: Number(d.fetched),
      skipped: Number(d.skipped),
      duplicates: Number(d.duplicates),
      sources: JSON.parse(d.sources ?? '{}') as Record<string, number>,
      rejected: JSON.parse(d.rejected ?? '{}') as Record<string, string>
    }
  })
}

/**
 * Makes the page's File System Access API save into the origin private file
 * system (OPFS): the app streams into a real FileSystemWritableFileStream
 * without a native dialog.
 */
export async function saveToOpfs (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', {
      configurable: true,
      value: async (options?: { suggestedName?: string }) => {
        const root = await navigator.storage.getDirectory()
        return root.getFileHandle(options?.suggestedName ?? 'download', { create: true })
      }
    })
  })
}

/** Removes the File System Access API: the app saves through the service worker's download stream. */
export async function withoutSavePicker (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { configurable: true, value: undefined })
  })
}

/** SHA-256 (hex) of a file the page saved into OPFS. */
export async function opfsSha256 (page: Page, name: string): Promise<string> {
  return page.evaluate(async (fileName) => {
    const root = await navigator.storage.getDirectory()
    const file = await (await root.getFileHandle(fileName)).getFile()
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer())
    return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('')
  }, name)
}

/** Opens a room link in a fresh browser context (or a page of a given one) set up by `setup`, with a display name. */
export async function joinRoom (browser: Browser | BrowserContext, relays: string[], fragment: string, name: string, setup?: (context: BrowserContext) => Promise<void>): Promise<AppPage> {
  const app = await openApp(browser, relays, name, undefined, fragment, setup)
  await setName(app, name)
  return app
}

/** Waits until the page is controlled by the service worker (it serves the files route). */
export async function controlled (page: Page): Promise<void> {
  await page.evaluate(async () => { await navigator.serviceWorker.ready })
  await expect.poll(async () => page.evaluate(() => navigator.serviceWorker.controller != null)).toBe(true)
}

/** Multicodec of raw blocks (a file's content leaves). */
const RAW_CODEC = 0x55

/** A chunk store that hands out corrupted copies of content leaves: a lying provider. */
export class LyingChunkStore extends MemoryChunkStore {
  override async get (cid: CID): Promise<Uint8Array> {
    const bytes = await super.get(cid)
    if (cid.code !== RAW_CODEC || bytes.byteLength < 4096) return bytes
    const copy = bytes.slice()
    copy[100] = (copy[100] ?? 0) ^ 0xff
    return copy
  }
}

/** A chunk store that hands out one block at a time, `delayMs` apart: a slow provider. */
export class SlowChunkStore extends MemoryChunkStore {
  #queue: Promise<unknown> = Promise.resolve()
  private readonly delayMs: number

  // no parameter property: the bench runs this module with Node's type stripping
  constructor (delayMs: number) {
    super()
    this.delayMs = delayMs
  }

  override async get (cid: CID): Promise<Uint8Array> {
    const turn = this.#queue.then(async () => new Promise(resolve => setTimeout(resolve, this.delayMs)))
    this.#queue = turn
    await turn
    return super.get(cid)
  }
}

/**
 * A Peerlink peer in Node (no WebRTC: relayed connections only) with its own chunk store, reserved on the relay;
 * with `privateKey` as its identity when given (a test that signs as this peer), else a new one.
 */
export async function nodePeer (relayInfoUrl: string, chunks: ChunkStore, privateKey?: PrivateKey): Promise<Peerlink> {
  const peer = await createPeer({
    privateKey: privateKey ?? await loadOrCreateIdentity(new MemoryKeyStore()),
    relays: parseRelayList(relayInfoUrl).relays,
    relayBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 },
    webrtc: false,
    stores: { chunks, transfers: new MemoryTransferStore() }
  })
  if (peer.relays()[0]?.state !== 'reserved') {
    await new Promise(resolve => { peer.addEventListener('relay:reserved', resolve, { once: true }) })
  }
  return peer
}

/** What core's shareFile takes, for bytes held in Node. */
export function namedFile (bytes: Uint8Array, name: string, type = 'application/octet-stream'): { name: string, type: string, size: number, slice: (s?: number, e?: number) => Blob } {
  return { name, type, size: bytes.byteLength, slice: (s, e) => new Blob([bytes as Uint8Array<ArrayBuffer>]).slice(s, e) }
}

/** The keys of an IndexedDB object store in the page (an empty list when the database or store does not exist). */
export async function idbKeys (page: Page, dbName: string, storeName: string): Promise<string[]> {
  return page.evaluate(async ({ dbName, storeName }) => {
    if (!(await indexedDB.databases()).some(d => d.name === dbName)) return []
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(dbName)
      open.onsuccess = () => { resolve(open.result) }
      open.onerror = () => { reject(open.error ?? new Error('open failed')) }
    })
    try {
      if (!db.objectStoreNames.contains(storeName)) return []
      return await new Promise<string[]>((resolve, reject) => {
        const request = db.transaction(storeName, 'readonly').objectStore(storeName).getAllKeys()
        request.onsuccess = () => { resolve(request.result.map(String)) }
        request.onerror = () => { reject(request.error ?? new Error('getAllKeys failed')) }
      })
    } finally {
      db.close()
    }
  }, { dbName, storeName })
}

/**
 * Drops files on `target` as a user would from the desktop: dragenter, dragover and drop events carrying a
 * DataTransfer built in the page with these files (plain File objects, no folder entries).
 */
export async function dropFiles (page: Page, target: Locator, files: Array<{ name: string, bytes: Uint8Array, type?: string }>): Promise<void> {
  const data = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer()
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), c => c.charCodeAt(0))
      transfer.items.add(new File([bytes], f.name, { type: f.type }))
    }
    return transfer
  }, files.map(f => ({ name: f.name, type: f.type ?? 'application/octet-stream', base64: Buffer.from(f.bytes).toString('base64') })))
  await target.dispatchEvent('dragenter', { dataTransfer: data })
  await target.dispatchEvent('dragover', { dataTransfer: data })
  await target.dispatchEvent('drop', { dataTransfer: data })
  await data.dispose()
}

/**
 * Drags paths from "the desktop" onto the middle of `target` through Chromium's own drag and drop
 * (DevTools `Input.dispatchDragEvent` with file paths): the page gets real dropped entries, folders included.
 * `during` runs between dragover and drop (to check how the target looks while hovered).
 */
export async function dragPathsOnto (page: Page, target: Locator, paths: string[], during?: () => Promise<void>): Promise<void> {
  await target.scrollIntoViewIfNeeded()
  const box = await target.boundingBox()
  const viewport = page.viewportSize()
  if (box == null || viewport == null) throw new Error('the drop target is not visible')
  // the middle of the part of the target inside the viewport (a tall target's own middle can be below it)
  const top = Math.max(box.y, 0)
  const bottom = Math.min(box.y + box.height, viewport.height)
  if (bottom <= top) throw new Error('the drop target is outside the viewport')
  const point = { x: box.x + box.width / 2, y: (top + bottom) / 2 }
  const cdp = await page.context().newCDPSession(page)
  try {
    const data = { items: [], files: paths, dragOperationsMask: 1 }
    await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', ...point, data })
    await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', ...point, data })
    await during?.()
    await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...point, data })
  } finally {
    await cdp.detach()
  }
}

/** A notification the page showed (recorded by `recordNotifications`). */
export interface ShownNotification {
  title: string
  body: string
  tag: string
  via: 'page' | 'service-worker'
}

/**
 * Records the notifications the page shows, through `new Notification()` or a service worker registration's
 * `showNotification()`, in `window.__notifications` (the real API still runs), and grants the permission.
 */
export async function recordNotifications (context: BrowserContext): Promise<void> {
  await context.grantPermissions(['notifications'])
  await context.addInitScript(() => {
    const shown: unknown[] = []
    Object.defineProperty(window, '__notifications', { value: shown })
    const Native = window.Notification
    class Recorded extends Native {
      constructor (title: string, options?: NotificationOptions) {
        super(title, options)
        shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '', via: 'page' })
      }
    }
    Object.defineProperty(window, 'Notification', { configurable: true, writable: true, value: Recorded })
    const show = ServiceWorkerRegistration.prototype.showNotification
    ServiceWorkerRegistration.prototype.showNotification = async function (title: string, options?: NotificationOptions) {
      await show.call(this, title, options)
      shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? '', via: 'service-worker' })
    }
  })
}

/** The notifications recorded so far in the page. */
export async function notificationsShown (page: Page): Promise<ShownNotification[]> {
  return page.evaluate(() => (window as unknown as { __notifications: ShownNotification[] }).__notifications.slice())
}

/** Makes the page look hidden (another tab, minimised) to its scripts: `visibilityState`, `hidden`, and the event. */
export async function hidePage (page: Page): Promise<void> {
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })
    document.dispatchEvent(new Event('visibilitychange'))
  })
}

/** Status and SHA-256 (hex) of a file read through the service worker's files route (`files/<cid>/<name>`). */
export async function routeSha256 (page: Page, cid: string, name: string): Promise<{ status: number, sha256: string }> {
  return page.evaluate(async ({ cid, name }) => {
    const response = await fetch(`files/${cid}/${encodeURIComponent(name)}`)
    const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer())
    return { status: response.status, sha256: Array.from(new Uint8Array(digest), x => x.toString(16).padStart(2, '0')).join('') }
  }, { cid, name })
}
