import { InvalidAppConfigError } from '../errors.js'
import { MAX_RELAY_LIST_ENTRIES, parseRelayList, type RelayListParseResult } from './relays.js'

/**
 * The app's runtime configuration, served next to the app (relative to its
 * base URL) by whoever serves it: the deployment's Caddy writes it from its
 * domain, so one build serves any domain. `{"relays": ["https://relay1.example.org/relay.json", …]}`.
 */
export const APP_CONFIG_PATH = 'config.json'

/**
 * Reads an app configuration document: its `relays`, each entry as in a relay
 * list (a multiaddr ending in `/p2p/<id>` or a relay's `/relay.json` URL).
 * Invalid entries are reported and left out, as {@link parseRelayList} does.
 *
 * @throws {InvalidAppConfigError} when the text is not JSON, not an object
 * with a `relays` array of strings, or lists no valid relay (naming the first
 * invalid entry)
 */
export function parseAppConfig (text: string): RelayListParseResult {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new InvalidAppConfigError(`not JSON (${(err as Error).message})`)
  }
  if (doc == null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InvalidAppConfigError('not a JSON object')
  }
  const relays = (doc as { relays?: unknown }).relays
  if (!Array.isArray(relays)) {
    throw new InvalidAppConfigError('"relays" must be an array of relay addresses')
  }
  if (relays.length > MAX_RELAY_LIST_ENTRIES) {
    throw new InvalidAppConfigError(`"relays" lists ${relays.length} entries, more than ${MAX_RELAY_LIST_ENTRIES}`)
  }
  const index = relays.findIndex(r => typeof r !== 'string' || /[\s,]/.test(r.trim()) || r.trim() === '')
  if (index !== -1) {
    throw new InvalidAppConfigError(`"relays"[${index}] must be one relay address (got ${JSON.stringify(relays[index]) ?? 'undefined'})`)
  }
  const parsed = parseRelayList((relays as string[]).join('\n'))
  if (parsed.relays.length === 0) {
    throw new InvalidAppConfigError(parsed.errors[0]?.message ?? '"relays" is empty')
  }
  return parsed
}
