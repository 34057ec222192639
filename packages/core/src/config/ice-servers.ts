import { hmac } from '@noble/hashes/hmac.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'

/**
 * ICE servers as a relay advertises them in `/relay.json`: STUN and TURN URLs,
 * TURN with short-lived credentials in coturn's shared-secret scheme
 * ("TURN REST API": `--use-auth-secret --static-auth-secret=<secret>`).
 */

/** Most ICE server entries taken from one relay info document. */
export const MAX_ICE_SERVERS = 16
/** Most URLs in one ICE server entry. */
export const MAX_ICE_URLS = 8
/** Longest URL, username or credential accepted. */
const MAX_ICE_FIELD_CHARS = 512

/** An ICE server as `RTCConfiguration.iceServers` takes it (also in Node, where lib.dom may be absent). */
export interface IceServerEntry {
  urls: string[]
  username?: string
  credential?: string
}

/** An ICE server URL that is not `stun:`/`stuns:`/`turn:`/`turns:` with a host, an optional port and (TURN) `?transport=udp|tcp`. */
export class RelayIceServerError extends Error {
  override readonly name = 'RelayIceServerError'
}

const HOST = String.raw`(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)`
const PORT = String.raw`(?::(?<port>\d{1,5}))?`
const STUN_URL = new RegExp(`^stuns?:${HOST}${PORT}$`)
const TURN_URL = new RegExp(`^turns?:${HOST}${PORT}(?:\\?transport=(?:udp|tcp))?$`)

/**
 * Checks one ICE server URL (RFC 7064 stun/stuns, RFC 7065 turn/turns).
 *
 * @param kind - 'stun' accepts stun: and stuns:, 'turn' turn: and turns:, 'any' both
 * @throws {RelayIceServerError}
 */
export function parseIceUrl (url: string, kind: 'stun' | 'turn' | 'any' = 'any'): string {
  if (typeof url !== 'string') throw new RelayIceServerError(`ICE server URL is not a string (${typeof url})`)
  const shown = url.length > 80 ? `${url.slice(0, 80)}…` : url
  if (url.length > MAX_ICE_FIELD_CHARS) throw new RelayIceServerError(`ICE server URL "${shown}" is too long`)
  const stun = STUN_URL.exec(url)
  const turn = TURN_URL.exec(url)
  const match = kind === 'stun' ? stun : kind === 'turn' ? turn : (stun ?? turn)
  if (match == null) {
    const expected = kind === 'stun' ? 'stun:<host>[:<port>] or stuns:' : kind === 'turn' ? 'turn:<host>[:<port>][?transport=udp|tcp] or turns:' : 'a stun:, stuns:, turn: or turns: URL'
    throw new RelayIceServerError(`ICE server URL "${shown}" is not ${expected}`)
  }
  const port = match.groups?.port
  if (port != null && (Number(port) < 1 || Number(port) > 65535)) throw new RelayIceServerError(`ICE server URL "${shown}" has an invalid port`)
  return url
}

/**
 * A TURN credential in coturn's shared-secret scheme: the username is
 * `<expiry unix seconds>:<name>`, the password base64(HMAC-SHA1(secret, username)).
 *
 * @param ttlSeconds - how long the credential is valid from `now`
 * @param now - ms since the epoch (for tests)
 */
export function turnCredential (secret: string, name: string, ttlSeconds: number, now: number = Date.now()): { username: string, credential: string, expires: number } {
  const expires = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSeconds))
  const username = `${expires}:${name}`
  const mac = hmac(sha1, uint8ArrayFromString(secret), uint8ArrayFromString(username))
  return { username, credential: uint8ArrayToString(mac, 'base64pad'), expires }
}

/** The expiry (unix seconds) of a shared-secret TURN username, if it has one. */
export function turnUsernameExpiry (username: string | undefined): number | undefined {
  const match = username != null ? /^(\d{1,12}):/.exec(username) : null
  return match?.[1] != null ? Number(match[1]) : undefined
}

/**
 * The valid entries of a relay info document's `iceServers` field, and a named
 * error for each entry left out. An entry is left out whole if one of its
 * URLs is malformed, or a TURN entry has no username or credential.
 */
export function parseRelayIceServers (value: unknown): { iceServers: IceServerEntry[], errors: RelayIceServerError[] } {
  const iceServers: IceServerEntry[] = []
  const errors: RelayIceServerError[] = []
  if (value == null) return { iceServers, errors }
  if (!Array.isArray(value)) {
    errors.push(new RelayIceServerError('iceServers is not a list'))
    return { iceServers, errors }
  }
  for (const [index, entry] of value.slice(0, MAX_ICE_SERVERS).entries()) {
    try {
      iceServers.push(parseIceServer(entry))
    } catch (err) {
      errors.push(err instanceof RelayIceServerError ? new RelayIceServerError(`iceServers[${index}]: ${err.message}`) : new RelayIceServerError(`iceServers[${index}] is invalid`))
    }
  }
  if (value.length > MAX_ICE_SERVERS) errors.push(new RelayIceServerError(`iceServers lists ${value.length} entries; only the first ${MAX_ICE_SERVERS} are used`))
  return { iceServers, errors }
}

function parseIceServer (entry: unknown): IceServerEntry {
  if (typeof entry !== 'object' || entry == null || Array.isArray(entry)) throw new RelayIceServerError('not an object')
  const { urls, username, credential } = entry as Record<string, unknown>
  const list: unknown[] = typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls : []
  if (list.length === 0) throw new RelayIceServerError('has no urls')
  if (list.length > MAX_ICE_URLS) throw new RelayIceServerError(`has ${list.length} urls (at most ${MAX_ICE_URLS})`)
  const parsed = list.map(url => {
    if (typeof url !== 'string') throw new RelayIceServerError(`has a URL that is not a string (${typeof url})`)
    return parseIceUrl(url)
  })
  const turn = parsed.some(url => url.startsWith('turn'))
  const result: IceServerEntry = { urls: parsed }
  for (const [field, text] of [['username', username], ['credential', credential]] as const) {
    if (text == null) {
      if (turn) throw new RelayIceServerError(`is a TURN server without a ${field}`)
      continue
    }
    // never echo the value: it is a credential
    if (typeof text !== 'string' || text === '' || text.length > MAX_ICE_FIELD_CHARS) throw new RelayIceServerError(`has an invalid ${field}`)
    result[field] = text
  }
  return result
}
