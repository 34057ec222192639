/**
 * The share target's addresses. Pure constants and functions (no
 * service-worker or page globals), shared by the manifest, the worker and the page.
 */

/** The path, under the app's scope, that the manifest's `share_target` posts to. */
export const SHARE_TARGET_PATH = 'share-target'

/** The `#/share/<id>` route of a stored share. */
export function shareHref (id: string): string {
  return `#/share/${encodeURIComponent(id)}`
}
