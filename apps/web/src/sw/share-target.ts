import { shareHref } from '../lib/share/share-route.ts'
import { shareOf, type ShareStore } from '../lib/share/share-store.ts'

/**
 * The manifest's share target: the system's share sheet posts what another
 * app shares (multipart form data) here as a navigation. The files and text
 * are kept in IndexedDB and the browser is sent (303) to the app's share
 * view, `<scope>#/share/<id>`. A share that cannot be read or stored sends it
 * there too, with an id nothing is stored under: the view says so.
 */
export async function receiveShare (request: Request, scopeUrl: string, store: Pick<ShareStore, 'put' | 'prune'>): Promise<Response> {
  const id = crypto.randomUUID()
  try {
    const data = await request.formData()
    await store.put(shareOf(data, id))
  } catch {
    // nothing stored: the share view tells the user to share again
  }
  void store.prune().catch(() => {})
  return Response.redirect(new URL(shareHref(id), scopeUrl).href, 303)
}
