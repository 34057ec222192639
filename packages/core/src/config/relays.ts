import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidRelayAddressError } from '../errors.js'

/**
 * How the app reaches a relay: either a full multiaddr ending in the relay's
 * `/p2p/<PeerId>`, or the http(s) URL of the relay's info document
 * (`/relay.json` on its HTTP port), from which its current multiaddrs are read.
 */
export type RelayEntry =
  | { kind: 'multiaddr', input: string, multiaddr: Multiaddr, peerId: string }
  | { kind: 'url', input: string, url: string }

/**
 * Parses one relay entry.
 *
 * @throws {InvalidRelayAddressError} with a message fit to show a user
 */
export function parseRelayEntry (input: string): RelayEntry {
  const text = input.trim()
  if (text === '') {
    throw new InvalidRelayAddressError(input, 'it is empty')
  }
  if (/^https?:\/\//i.test(text)) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      throw new InvalidRelayAddressError(input, 'not a valid URL')
    }
    return { kind: 'url', input: text, url: url.toString() }
  }
  if (!text.startsWith('/')) {
    throw new InvalidRelayAddressError(input, 'expected a multiaddr starting with "/" or an http(s):// URL')
  }
  let ma: Multiaddr
  try {
    ma = multiaddr(text)
  } catch (err) {
    throw new InvalidRelayAddressError(input, `not a valid multiaddr (${(err as Error).message})`)
  }
  const components = ma.getComponents()
  if (components.some(c => c.name === 'p2p-circuit')) {
    throw new InvalidRelayAddressError(input, 'a relay is reached directly, not through /p2p-circuit')
  }
  const last = components.at(-1)
  if (last?.name !== 'p2p' || last.value == null) {
    throw new InvalidRelayAddressError(input, 'it must end with /p2p/<relay PeerId>')
  }
  return { kind: 'multiaddr', input: text, multiaddr: ma, peerId: last.value }
}

export interface RelayListParseResult {
  relays: RelayEntry[]
  errors: InvalidRelayAddressError[]
}

/** Most entries a relay list is read for; the rest are reported as one error (a pasted blob of 20,000 took over a second). */
export const MAX_RELAY_LIST_ENTRIES = 64

/**
 * Parses a list of relay entries separated by newlines, commas or spaces.
 * Valid entries are kept and every invalid one is reported, so one typo does
 * not lose the rest of the list. Duplicates are dropped. Entries after the
 * first {@link MAX_RELAY_LIST_ENTRIES} are not read: one error says so.
 */
export function parseRelayList (text: string): RelayListParseResult {
  const relays: RelayEntry[] = []
  const errors: InvalidRelayAddressError[] = []
  const seen = new Set<string>()
  let count = 0
  for (const part of text.split(/[\s,]+/)) {
    if (part === '') continue
    if (++count > MAX_RELAY_LIST_ENTRIES) {
      errors.push(new InvalidRelayAddressError(part.slice(0, 64), `more than ${MAX_RELAY_LIST_ENTRIES} relays listed: this one and those after it were ignored`))
      break
    }
    try {
      const entry = parseRelayEntry(part)
      if (seen.has(entry.input)) continue
      seen.add(entry.input)
      relays.push(entry)
    } catch (err) {
      if (err instanceof InvalidRelayAddressError) errors.push(err)
      else throw err
    }
  }
  return { relays, errors }
}

/** URL search parameter that overrides the saved relay list (repeatable). */
export const RELAY_URL_PARAM = 'relay'

/**
 * Reads relay overrides from a page URL's query (`?relay=<entry>&relay=...`).
 * Returns `undefined` when the URL names no relay.
 */
export function relaysFromUrl (url: string | URL): RelayListParseResult | undefined {
  const values = new URL(url).searchParams.getAll(RELAY_URL_PARAM)
  if (values.length === 0) return undefined
  return parseRelayList(values.join('\n'))
}
