import { parseRelayList, relaysFromUrl, RELAY_URL_PARAM, type RelayEntry } from './settings-api.ts'
import { del, get, set } from 'idb-keyval'

/** idb-keyval key of the saved relay list (a string, one entry per line). */
export const RELAYS_DB_KEY = 'peerlink:relays'

/** Where the relays in effect came from, in order of precedence. */
export type RelaySource = 'link' | 'saved' | 'default'

export const RELAY_SOURCE_LABELS: Record<RelaySource, string> = {
  link: 'from link',
  saved: 'saved',
  default: 'default'
}

export interface RelayConfig {
  source: RelaySource
  /** The valid entries, used to create the peer. */
  relays: RelayEntry[]
  /** Messages of the invalid entries that were left out. */
  errors: string[]
}

/**
 * The default relay list: `VITE_PEERLINK_RELAYS` at build time, else the
 * local relay that `pnpm start` runs next to the app.
 */
export function defaultRelayText (hostname: string = location.hostname): string {
  const fromEnv = import.meta.env['VITE_PEERLINK_RELAYS'] as string | undefined
  if (fromEnv != null && fromEnv.trim() !== '') return fromEnv
  const host = hostname.includes(':') ? `[${hostname}]` : hostname
  return `http://${host === '' ? '127.0.0.1' : host}:9090/relay.json`
}

export async function loadSavedRelayText (): Promise<string | undefined> {
  const value: unknown = await get(RELAYS_DB_KEY)
  return typeof value === 'string' && value.trim() !== '' ? value : undefined
}

/** Saves a relay list; a blank one removes the setting so the default applies. */
export async function saveRelayText (text: string): Promise<void> {
  if (text.trim() === '') await del(RELAYS_DB_KEY)
  else await set(RELAYS_DB_KEY, text.trim())
}

/**
 * The relays to use: `?relay=` parameters in the page URL, else the saved
 * list, else the default. Invalid entries are reported and left out.
 */
export async function resolveRelayConfig (href: string = location.href): Promise<RelayConfig> {
  const fromUrl = relaysFromUrl(href)
  if (fromUrl != null) return toConfig('link', fromUrl)
  let saved: string | undefined
  try {
    saved = await loadSavedRelayText()
  } catch {
    saved = undefined // IndexedDB unavailable: fall back to the default
  }
  if (saved != null) return toConfig('saved', parseRelayList(saved))
  return toConfig('default', parseRelayList(defaultRelayText()))
}

/** The page URL without its `?relay=` parameters (so a reload uses the saved list). */
export function urlWithoutRelayParams (href: string = location.href): string {
  const url = new URL(href)
  url.searchParams.delete(RELAY_URL_PARAM)
  return url.toString()
}

/** One entry per line, as shown in the relay settings. */
export function relayText (relays: RelayEntry[]): string {
  return relays.map(r => r.input).join('\n')
}

function toConfig (source: RelaySource, parsed: ReturnType<typeof parseRelayList>): RelayConfig {
  return { source, relays: parsed.relays, errors: parsed.errors.map(e => e.message) }
}
