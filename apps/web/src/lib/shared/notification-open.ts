/**
 * Opening a conversation from a notification: the notification carries the
 * route (`#/r/…`, `#/dm/…`) in its data; when clicked, the service worker
 * focuses a Peerlink window and posts it this message (or opens a new window
 * at that route).
 */

/** The `type` of the message the service worker posts to a page to open a route. */
export const OPEN_ROUTE = 'peerlink:open-route'

/** What a notification carries. */
export interface NotificationData {
  /** The route to open when it is clicked. */
  href?: string
}

/** The route a notification's data or a posted message names, if it is one of the app's (`#/…`). */
export function routeOf (data: unknown): string | undefined {
  if (typeof data !== 'object' || data == null) return undefined
  const href = (data as { href?: unknown }).href
  return typeof href === 'string' && href.startsWith('#/') && href.length <= 2048 ? href : undefined
}

/** A message from the service worker asking the page to open a route: the route, else undefined. */
export function openRouteMessage (data: unknown): string | undefined {
  if (typeof data !== 'object' || data == null || (data as { type?: unknown }).type !== OPEN_ROUTE) return undefined
  return routeOf(data)
}
