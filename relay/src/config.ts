import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/** Every relay setting, validated. */
export interface RelayConfig {
  /** Holds the private key, the WebRTC-direct certificate and the datastore. */
  dataDir: string
  /** Interface the libp2p listeners bind to. */
  host: string
  /** WebSockets port (browsers). 0 picks a free port. */
  wsPort: number
  /** WebRTC-direct UDP port (browsers). 0 picks a free port. */
  webrtcPort: number
  /** TCP port (other relays, Node clients). 0 picks a free port. */
  tcpPort: number
  /** HTTP port for /healthz, /metrics and /relay.json. 0 picks a free port. */
  httpPort: number
  /** Interface the HTTP server binds to. */
  httpHost: string
  /** Addresses to announce instead of the listen addresses (e.g. behind a proxy). */
  announce: Multiaddr[]
  /** Other relays to connect to at start; together they form one DHT. */
  bootstrap: Multiaddr[]
  /** Keep private and loopback addresses in DHT answers (LAN and local use). */
  allowPrivateAddresses: boolean
  /** Most reservations held at once. */
  maxReservations: number
  /** How long a reservation lasts, ms. */
  reservationTtl: number
  /** Most open connections in all. */
  maxConnections: number
  /** Most open connections from one IP address. */
  maxConnectionsPerIp: number
  /** Most relayed circuits one peer may have open through this relay at once. */
  maxCircuitsPerPeer: number
  /** Bytes one relayed connection may carry in each direction; 0 means unlimited. */
  circuitDataLimit: number
  /** How long one relayed connection may stay open, ms; 0 means unlimited. */
  circuitDurationLimit: number
  /** ms from accepting a socket until its libp2p upgrade must have completed; idle and slow sockets are closed then. */
  handshakeTimeout: number
  /** Most connections from one IP address still in their handshake. */
  maxPendingPerIp: number
  /** Most connections from all addresses still in their handshake. */
  maxPendingConnections: number
  /** Most new inbound connections per second from one IP address. */
  maxNewConnectionsPerIp: number
}

/** A setting is missing, malformed or out of range. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

interface Option {
  key: keyof RelayConfig
  flag: string
  type: 'string' | 'port' | 'count' | 'bytes' | 'ms' | 'multiaddrs' | 'boolean'
  default: string
  help: string
}

/** Options in the order `--help` lists them. Each flag has an env var PEERLINK_RELAY_<FLAG>. */
export const OPTIONS: Option[] = [
  { key: 'dataDir', flag: 'data-dir', type: 'string', default: '.data/relay', help: 'directory for the key, certificate and datastore' },
  { key: 'host', flag: 'host', type: 'string', default: '0.0.0.0', help: 'interface the libp2p listeners bind to' },
  { key: 'wsPort', flag: 'ws-port', type: 'port', default: '9001', help: 'WebSockets port (TCP)' },
  { key: 'webrtcPort', flag: 'webrtc-port', type: 'port', default: '9002', help: 'WebRTC-direct port (UDP)' },
  { key: 'tcpPort', flag: 'tcp-port', type: 'port', default: '9003', help: 'plain TCP port for relays and Node peers' },
  { key: 'httpPort', flag: 'http-port', type: 'port', default: '9090', help: 'HTTP port: /healthz, /metrics, /relay.json' },
  { key: 'httpHost', flag: 'http-host', type: 'string', default: '', help: 'interface the HTTP server binds to (default: --host)' },
  { key: 'announce', flag: 'announce', type: 'multiaddrs', default: '', help: 'comma-separated multiaddrs to announce instead of the listen addresses' },
  { key: 'bootstrap', flag: 'bootstrap', type: 'multiaddrs', default: '', help: 'comma-separated multiaddrs (with /p2p/<id>) of other relays' },
  { key: 'allowPrivateAddresses', flag: 'allow-private-addresses', type: 'boolean', default: 'true', help: 'keep private/loopback addresses in DHT answers (set false on the public internet)' },
  { key: 'maxReservations', flag: 'max-reservations', type: 'count', default: '128', help: 'most reservations held at once' },
  { key: 'reservationTtl', flag: 'reservation-ttl', type: 'ms', default: '7200000', help: 'reservation lifetime in ms' },
  { key: 'maxConnections', flag: 'max-connections', type: 'count', default: '500', help: 'most open connections' },
  { key: 'maxConnectionsPerIp', flag: 'max-connections-per-ip', type: 'count', default: '32', help: 'most open connections from one IP address' },
  { key: 'maxCircuitsPerPeer', flag: 'max-circuits-per-peer', type: 'count', default: '16', help: 'most relayed connections one peer may have open at once' },
  { key: 'circuitDataLimit', flag: 'circuit-data-limit', type: 'bytes', default: '1048576', help: 'bytes per relayed connection and direction (0: unlimited)' },
  { key: 'circuitDurationLimit', flag: 'circuit-duration-limit', type: 'ms', default: '600000', help: 'lifetime of a relayed connection in ms (0: unlimited)' },
  { key: 'handshakeTimeout', flag: 'handshake-timeout', type: 'count', default: '5000', help: 'ms a new connection has to complete its handshake; idle sockets are closed then' },
  { key: 'maxPendingPerIp', flag: 'max-pending-per-ip', type: 'count', default: '8', help: 'most connections from one IP address still in their handshake' },
  { key: 'maxPendingConnections', flag: 'max-pending-connections', type: 'count', default: '256', help: 'most connections from all addresses still in their handshake' },
  { key: 'maxNewConnectionsPerIp', flag: 'max-new-connections-per-ip', type: 'count', default: '16', help: 'most new connections per second from one IP address (users behind one NAT share it)' }
]

export function envName (flag: string): string {
  return `PEERLINK_RELAY_${flag.toUpperCase().replace(/-/g, '_')}`
}

export function usage (): string {
  const lines = OPTIONS.map(o => `  --${o.flag.padEnd(26)} ${o.help} [${envName(o.flag)}]${o.default !== '' ? ` (default ${o.default})` : ''}`)
  return ['usage: peerlink-relay [options]', '', ...lines, '  --help                     show this help'].join('\n')
}

/**
 * Builds the config from command-line flags, then env vars, then defaults.
 *
 * @throws {ConfigError} with a one-line message naming the bad setting
 */
export function parseConfig (argv: string[], env: Record<string, string | undefined> = {}): RelayConfig {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(OPTIONS.map(o => [o.flag, { type: 'string' as const }]))
    }).values
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0] ?? 'invalid arguments')
  }
  const config: Record<string, unknown> = {}
  for (const option of OPTIONS) {
    const fromFlag = values[option.flag]
    const fromEnv = env[envName(option.flag)]
    const raw = typeof fromFlag === 'string' ? fromFlag : (fromEnv ?? option.default)
    const source = typeof fromFlag === 'string' ? `--${option.flag}` : fromEnv != null ? envName(option.flag) : `--${option.flag}`
    config[option.key] = convert(option, raw.trim(), source)
  }
  const result = config as unknown as RelayConfig
  if (result.httpHost === '') result.httpHost = result.host
  // the listen multiaddrs are /ip4/<host> or /ip6/<host>: a host name cannot be one
  if (isIP(result.host) === 0) {
    const source = typeof values.host !== 'string' && env[envName('host')] != null ? envName('host') : '--host'
    throw new ConfigError(`${source} must be an IP address (got "${result.host}")`)
  }
  for (const ma of result.bootstrap) {
    if (ma.getComponents().at(-1)?.name !== 'p2p') {
      throw new ConfigError(`--bootstrap address "${ma.toString()}" must end with /p2p/<relay PeerId>`)
    }
  }
  return result
}

function convert (option: Option, raw: string, source: string): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(`${source} must be ${expected} (got "${raw}")`)
  }
  switch (option.type) {
    case 'string':
      if (raw === '' && option.key !== 'httpHost') fail('a non-empty string')
      return raw
    case 'boolean':
      if (raw === 'true' || raw === '1') return true
      if (raw === 'false' || raw === '0') return false
      return fail('true or false')
    case 'port': {
      const n = wholeNumber(raw)
      if (n == null || n > 65535) fail('a port number from 0 to 65535')
      return n
    }
    case 'count': {
      const n = wholeNumber(raw)
      if (n == null || n < 1) fail('a whole number of at least 1')
      return n
    }
    case 'bytes':
    case 'ms': {
      const n = wholeNumber(raw)
      if (n == null) fail(`a whole number of ${option.type === 'ms' ? 'milliseconds' : 'bytes'}`)
      return n
    }
    case 'multiaddrs':
      return raw.split(',').map(s => s.trim()).filter(s => s !== '').map(text => {
        try {
          return multiaddr(text)
        } catch {
          return fail('a comma-separated list of multiaddrs')
        }
      })
  }
}

function wholeNumber (raw: string): number | undefined {
  if (!/^\d+$/.test(raw)) return undefined
  const n = Number(raw)
  return Number.isSafeInteger(n) ? n : undefined
}
