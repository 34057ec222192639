import { APP_CONFIG_PATH, parseAppConfig, parseRelayList, relaysFromUrl, RELAY_URL_PARAM, type RelayEntry } from './settings-api.ts'
import { errorMessage } from '../shared/errors.ts'
import { del, get, set } from 'idb-keyval'

/** idb-keyval key of the saved relay list (a string, one entry per line). */
export const RELAYS_DB_KEY = 'peerlink:relays'

/**
 * idb-keyval key of the last usable `config.json` the server served (its text):
 * the default relays when the file cannot be fetched (offline start) or is broken.
 */
export const SERVER_CONFIG_DB_KEY = 'peerlink:server-config'

/** How long the app waits for the server's `config.json` before starting without it. */
const SERVER_CONFIG_TIMEOUT_MS = 5000

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
  /** Why the server's relay configuration (`config.json`) was not used, and what was used instead. */
  notice?: string
}

/**
 * The app's built-in relay list: `VITE_PEERLINK_RELAYS` at build time, else the
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
 * list, else the default ({@link defaultRelayConfig}). Invalid entries are
 * reported and left out.
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
  return defaultRelayConfig(href)
}

/**
 * The default relays: those of the server that serves the app (its
 * `config.json`, next to the app, fetched on every start and never cached), so
 * that one build serves any deployment. When it cannot be fetched (offline),
 * the last one read; where there is none (404, or a server that answers with
 * the app's index.html), the built-in list ({@link defaultRelayText}). A
 * broken file falls back the same way and says so in `notice`.
 */
export async function defaultRelayConfig (href: string = location.href): Promise<RelayConfig> {
  const url = new URL(APP_CONFIG_PATH, new URL(import.meta.env.BASE_URL, href))
  const builtIn = (notice?: string): RelayConfig => ({ ...toConfig('default', parseRelayList(defaultRelayText(new URL(href).hostname))), ...(notice != null ? { notice } : {}) })
  const lastRead = async (why?: string): Promise<RelayConfig> => {
    const text = await loadServerConfigText()
    if (text != null) {
      try {
        return { ...toConfig('default', parseAppConfig(text)), ...(why != null ? { notice: `${why}; using the relays it listed before.` } : {}) }
      } catch {
        // stored by an older version and no longer readable: the built-in list
      }
    }
    return builtIn(why != null ? `${why}; using the app's built-in relays.` : undefined)
  }
  let response: Response
  try {
    response = await fetch(url, { cache: 'no-cache', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(SERVER_CONFIG_TIMEOUT_MS) })
  } catch {
    return lastRead() // offline, or the server does not answer: not worth a message
  }
  const type = response.headers.get('content-type') ?? ''
  // no configuration here: a plain static server, `vite preview`, or a fallback to index.html
  if (response.status === 404 || (response.ok && type.includes('text/html'))) {
    await response.body?.cancel()
    return builtIn()
  }
  if (!response.ok) {
    await response.body?.cancel()
    return lastRead(`The server's relay configuration (${url.pathname}) could not be read (HTTP ${response.status})`)
  }
  let text: string
  try {
    text = await response.text()
  } catch {
    return lastRead()
  }
  let parsed: ReturnType<typeof parseAppConfig>
  try {
    parsed = parseAppConfig(text)
  } catch (err) {
    return lastRead(`The server's relay configuration (${url.pathname}) is not usable: ${errorMessage(err)}`)
  }
  await storeServerConfigText(text)
  return toConfig('default', parsed)
}

async function storeServerConfigText (text: string): Promise<void> {
  try {
    await set(SERVER_CONFIG_DB_KEY, text)
  } catch {
    // no storage: the file is fetched again on the next start anyway
  }
}

async function loadServerConfigText (): Promise<string | undefined> {
  try {
    const value: unknown = await get(SERVER_CONFIG_DB_KEY)
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
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
