/**
 * Peerlink's service worker (built by vite-plugin-pwa's injectManifest):
 * - precaches the app shell so the app loads offline, falls back to
 *   index.html for navigations, drops outdated precaches, and takes over open
 *   pages at once (autoUpdate);
 * - serves files held in this browser at `<scope>files/<cid>/<name>`,
 *   streamed from IndexedDB and decrypted on the fly, with Range support;
 * - focuses the app when a "download complete" notification is clicked;
 * - caches nothing at run time: relays' /relay.json and every other
 *   cross-origin request go straight to the network.
 */
import { IdbChunkStore, IdbTransferStore, openFile } from '@peerlink/core'
import { CID } from 'multiformats/cid'
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { FILES_PATH } from './lib/files-route.ts'
import { serveFile, type OpenStoredFile } from './sw/serve-file.ts'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string, revision: string | null }> }

void self.skipWaiting()
clientsClaim()

const scopePath = new URL(self.registration.scope).pathname
const filesPrefix = scopePath + FILES_PATH

let stores: { transfers: IdbTransferStore, chunks: IdbChunkStore } | undefined

/** Opens a file from IndexedDB: its key from the transfer records, its blocks from the chunk store. */
const openStored: OpenStoredFile = async (cid) => {
  stores ??= { transfers: new IdbTransferStore(), chunks: new IdbChunkStore() }
  const record = await stores.transfers.get(cid)
  if (record == null) return { missing: `File ${cid} is not in this browser: open its link in Peerlink to download it.` }
  if (record.state !== 'complete') return { missing: `File ${cid} is not completely downloaded yet: wait for its download to finish in Peerlink.` }
  let root: CID
  try {
    root = CID.parse(cid)
  } catch {
    return { missing: `"${cid}" is not a CID.` }
  }
  return { file: await openFile(root, record.key, { store: stores.chunks }) }
}

// before the precache and navigation routes: a file address is never the app shell
for (const method of ['GET', 'HEAD'] as const) {
  registerRoute(
    ({ url }) => url.origin === self.location.origin && url.pathname.startsWith(filesPrefix),
    async ({ request }) => serveFile(request, scopePath, openStored),
    method
  )
}

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [new RegExp(`^${escapeRegExp(filesPrefix)}`)] }))

// a "download complete" notification brings the app forward
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
    const open = windows[0]
    if (open != null) await open.focus()
    else await self.clients.openWindow(scopePath)
  }))
})

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
