/**
 * The app's routes, kept in the URL fragment so that the key in a room link
 * never reaches a server:
 * - `#/` (or no fragment): home: sending files, new rooms, the rooms and recent files
 * - `#/settings`: identity, relays, ICE servers, connecting to a peer by PeerId
 * - `#/diagnostics`: how each peer and relay is reached, round trips and throughput
 * - `#/r/<roomId>/<key>`: a room (joined on opening)
 * - `#/dm/<peerId>`: a direct-message conversation
 * - `#/f/<cid>/<key>[?p=<peer ids>]`: a shared file (its download starts on opening)
 * - `#/share/<id>`: what another app shared to Peerlink (the share target), to send to a room or by link
 */
export type Route =
  | { kind: 'home' }
  | { kind: 'settings' }
  | { kind: 'diagnostics' }
  | { kind: 'room', /** The fragment, for parseRoomLink. */ fragment: string, roomId: string }
  | { kind: 'dm', peerId: string }
  | { kind: 'file', /** The fragment, for parseFileLink. */ fragment: string, cid: string }
  | { kind: 'share', id: string }
  | { kind: 'unknown', fragment: string }

/** The route of a URL fragment (`location.hash`, with or without its `#`). */
export function parseRoute (hash: string): Route {
  const fragment = hash.startsWith('#') ? hash.slice(1) : hash
  if (fragment === '' || fragment === '/') return { kind: 'home' }
  if (/^\/?settings\/?$/.test(fragment)) return { kind: 'settings' }
  if (/^\/?diagnostics\/?$/.test(fragment)) return { kind: 'diagnostics' }
  if (/^\/?r(\/|$)/.test(fragment)) {
    return { kind: 'room', fragment, roomId: fragment.replace(/^\/?r\/?/, '').split('/')[0] ?? '' }
  }
  if (/^\/?f(\/|$)/.test(fragment)) {
    return { kind: 'file', fragment, cid: fragment.replace(/^\/?f\/?/, '').split(/[/?]/)[0] ?? '' }
  }
  const share = /^\/?share\/([^/?#]*)\/?$/.exec(fragment)
  if (share != null) return { kind: 'share', id: safeDecode(share[1] ?? '') }
  const dm = /^\/?dm\/([^/?#]+)\/?$/.exec(fragment)
  if (dm != null) return { kind: 'dm', peerId: decodeURIComponent(dm[1] ?? '') }
  return { kind: 'unknown', fragment }
}

function safeDecode (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

export const HOME_HREF = '#/'
export const SETTINGS_HREF = '#/settings'
export const DIAGNOSTICS_HREF = '#/diagnostics'

export function dmHref (peerId: string): string {
  return `#/dm/${encodeURIComponent(peerId)}`
}

/** The app URL a room link starts with: this page without its fragment (`?relay=` kept). */
export function appUrl (href: string = location.href): string {
  return href.split('#')[0] ?? href
}
