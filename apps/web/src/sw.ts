/**
 * Peerlink's service worker (built by vite-plugin-pwa's injectManifest):
 * - precaches the app shell so the app loads offline, falls back to
 *   index.html for navigations, drops outdated precaches, and takes over open
 *   pages at once (autoUpdate);
 * - serves files held in this browser at `<scope>files/<cid>/<name>`,
 *   streamed from IndexedDB and decrypted on the fly, with Range support;
 *   files still downloading are read through a page's peer (lib/range-bridge.ts),
 *   so a video plays while it downloads;
 * - receives what other apps share to Peerlink (the manifest's share target,
 *   a POST to `<scope>share-target`): keeps it in IndexedDB and sends the
 *   browser to the share view (sw/share-target.ts);
 * - focuses the app when one of its notifications is clicked, and opens the
 *   conversation a message's notification names (posting the route to the
 *   page, or opening a window at it when none is open);
 * - caches nothing at run time: the server's config.json (the default
 *   relays, never precached: the app fetches it on every start), relays'
 *   /relay.json and every other cross-origin request go straight to the network.
 */
import { IdbChunkStore, IdbTransferStore, openFile } from '@peerlink/core'
import { CID } from 'multiformats/cid'
import { clientsClaim } from 'workbox-core'
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { FILES_PATH } from './lib/files/files-route.ts'
import { SHARE_TARGET_PATH } from './lib/share/share-route.ts'
import { ShareStore } from './lib/share/share-store.ts'
import { OPEN_ROUTE, routeOf } from './lib/shared/notification-open.ts'
import { remoteFile } from './sw/remote-file.ts'
import { serveFile, type OpenStoredFile } from './sw/serve-file.ts'
import { receiveShare } from './sw/share-target.ts'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<string | { url: string, revision: string | null }> }

void self.skipWaiting()
clientsClaim()

const scopePath = new URL(self.registration.scope).pathname
const filesPrefix = scopePath + FILES_PATH

let stores: { transfers: IdbTransferStore, chunks: IdbChunkStore } | undefined

/**
 * Opens a file from IndexedDB: its key from the transfer records, its blocks
 * from the chunk store. A file still downloading is read through the page
 * that asked (or another Peerlink page): its peer fetches what is read first.
 */
const openStored = (clientId: string): OpenStoredFile => async (cid) => {
  stores ??= { transfers: new IdbTransferStore(), chunks: new IdbChunkStore() }
  const record = await stores.transfers.get(cid)
  if (record == null) return { missing: `File ${cid} is not in this browser: open its link in Peerlink to download it.` }
  if (record.state !== 'complete') {
    const client = await pageOf(clientId)
    if (client == null || record.size == null || record.name == null) {
      return { missing: `File ${cid} is not completely downloaded yet: wait for its download to finish in Peerlink.` }
    }
    return { file: remoteFile(client, cid, { name: record.name, type: record.type ?? '', size: record.size }) }
  }
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
    async ({ request, event }) => serveFile(request, scopePath, openStored((event as FetchEvent).clientId)),
    method
  )
}

// the share sheet's POST (a navigation): kept, then the share view
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname === scopePath + SHARE_TARGET_PATH,
  async ({ request }) => receiveShare(request, self.registration.scope, new ShareStore()),
  'POST'
)

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [new RegExp(`^${escapeRegExp(filesPrefix)}`)] }))

// a notification brings the app forward; a message's opens its conversation
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const href = routeOf(event.notification.data)
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(async (windows) => {
    const open = windows.find(w => w.focused) ?? windows[0]
    if (open == null) {
      await self.clients.openWindow(scopePath + (href ?? ''))
      return
    }
    await open.focus()
    if (href != null) open.postMessage({ type: OPEN_ROUTE, href })
  }))
})

/** The page that made a request, else any open Peerlink page (a new tab opened from a link has none yet). */
async function pageOf (clientId: string): Promise<Client | undefined> {
  const own = clientId === '' ? undefined : await self.clients.get(clientId)
  if (own != null) return own
  const windows = await self.clients.matchAll({ type: 'window' })
  return windows[0]
}

function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
