import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { parseIceUrl } from '@peerlink/core'

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
  /** ms a reservation outlives its peer's last connection. */
  reservationGrace: number
  /** Most Peerlink topics the relay follows (joins) in all. */
  maxFollowedTopics: number
  /** Most topics one peer's subscriptions may make the relay follow. */
  maxTopicsPerPeer: number
  /** ms a followed topic has to carry a message before the relay leaves it. */
  topicProbation: number
  /** Most DHT provider records kept in all. */
  maxProviderRecords: number
  /** Most DHT provider records kept for one provider peer. */
  maxProvidersPerPeer: number
  /** ms a DHT provider record is kept after its last ADD_PROVIDER. */
  providerTtl: number
  /** ms /healthz answers 503 "stopping" (and no new reservations are taken) before the listeners close. */
  stopDrain: number
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
  /** ms between the relay's pings of each connection (libp2p's connection monitor, which measures round trips); 0 turns them off. */
  pingInterval: number
  /** Most connections from one IP address still in their handshake. */
  maxPendingPerIp: number
  /** Most connections from all addresses still in their handshake. */
  maxPendingConnections: number
  /** Most new inbound connections per second from one IP address. */
  maxNewConnectionsPerIp: number
  /** PEM certificate (chain) file: the WebSockets listener becomes `/tls/ws` and the HTTP side port https. '' for none. */
  tlsCert: string
  /** PEM private key file of `tlsCert`. Both are read again on SIGHUP. */
  tlsKey: string
  /** STUN URLs advertised in /relay.json. */
  stunUrls: string[]
  /** TURN URLs advertised in /relay.json, with short-lived credentials made from `turnSecret`. */
  turnUrls: string[]
  /** coturn's static-auth-secret (from --turn-secret, PEERLINK_TURN_SECRET or --turn-secret-file). '' for none. */
  turnSecret: string
  /** File the TURN secret was read from ('' if none). */
  turnSecretFile: string
  /** How long TURN credentials are valid, ms. */
  turnTtl: number
}

/** A setting is missing, malformed or out of range. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

interface Option {
  key: keyof RelayConfig
  flag: string
  type: 'string' | 'port' | 'count' | 'bytes' | 'ms' | 'multiaddrs' | 'boolean' | 'path' | 'stun-urls' | 'turn-urls' | 'secret'
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
  { key: 'maxReservations', flag: 'max-reservations', type: 'count', default: '1024', help: 'most reservations held at once (about 0.3 MiB of memory each)' },
  { key: 'reservationTtl', flag: 'reservation-ttl', type: 'ms', default: '7200000', help: 'reservation lifetime in ms' },
  { key: 'reservationGrace', flag: 'reservation-grace', type: 'ms', default: '30000', help: 'ms a reservation outlives its peer\'s last connection' },
  { key: 'maxFollowedTopics', flag: 'max-followed-topics', type: 'count', default: '256', help: 'most Peerlink topics the relay follows in all' },
  { key: 'maxTopicsPerPeer', flag: 'max-topics-per-peer', type: 'count', default: '32', help: 'most topics one peer\'s subscriptions make the relay follow' },
  { key: 'topicProbation', flag: 'topic-probation', type: 'ms', default: '30000', help: 'ms a followed topic has to carry a message before the relay leaves it' },
  { key: 'maxProviderRecords', flag: 'max-provider-records', type: 'count', default: '20000', help: 'most DHT provider records kept in all' },
  { key: 'maxProvidersPerPeer', flag: 'max-providers-per-peer', type: 'count', default: '512', help: 'most DHT provider records kept for one provider peer' },
  { key: 'providerTtl', flag: 'provider-ttl', type: 'ms', default: '86400000', help: 'ms a DHT provider record is kept after its last ADD_PROVIDER' },
  { key: 'stopDrain', flag: 'stop-drain', type: 'ms', default: '1000', help: 'ms /healthz answers 503 and no reservations are taken before the relay closes on SIGTERM' },
  { key: 'maxConnections', flag: 'max-connections', type: 'count', default: '2048', help: 'most open connections' },
  { key: 'maxConnectionsPerIp', flag: 'max-connections-per-ip', type: 'count', default: '32', help: 'most open connections from one IP address' },
  { key: 'maxCircuitsPerPeer', flag: 'max-circuits-per-peer', type: 'count', default: '16', help: 'most relayed connections one peer may have open at once' },
  { key: 'circuitDataLimit', flag: 'circuit-data-limit', type: 'bytes', default: '1048576', help: 'bytes per relayed connection and direction (0: unlimited)' },
  { key: 'circuitDurationLimit', flag: 'circuit-duration-limit', type: 'ms', default: '600000', help: 'lifetime of a relayed connection in ms (0: unlimited)' },
  { key: 'handshakeTimeout', flag: 'handshake-timeout', type: 'count', default: '5000', help: 'ms a new connection has to complete its handshake (on the HTTP port: send its request); idle sockets are closed then' },
  { key: 'pingInterval', flag: 'ping-interval', type: 'ms', default: '0', help: 'ms between the relay\'s pings of each connection, which only measure round trips (0: none)' },
  { key: 'maxPendingPerIp', flag: 'max-pending-per-ip', type: 'count', default: '8', help: 'most connections from one IP address still in their handshake, and most sockets from it open on the HTTP port' },
  { key: 'maxPendingConnections', flag: 'max-pending-connections', type: 'count', default: '256', help: 'most connections from all addresses still in their handshake, and most sockets open on the HTTP port' },
  { key: 'maxNewConnectionsPerIp', flag: 'max-new-connections-per-ip', type: 'count', default: '16', help: 'most new connections per second from one IP address (users behind one NAT share it)' },
  { key: 'tlsCert', flag: 'tls-cert', type: 'path', default: '', help: 'PEM certificate (chain) file: WebSockets become /tls/ws and the HTTP port https; re-read on SIGHUP' },
  { key: 'tlsKey', flag: 'tls-key', type: 'path', default: '', help: 'PEM private key file of --tls-cert; re-read on SIGHUP' },
  { key: 'stunUrls', flag: 'stun-url', type: 'stun-urls', default: '', help: 'STUN URL to advertise in /relay.json, e.g. stun:198.51.100.1:3478 (repeatable or comma-separated)' },
  { key: 'turnUrls', flag: 'turn-url', type: 'turn-urls', default: '', help: 'TURN URL to advertise with short-lived credentials, e.g. turn:198.51.100.1:3478?transport=udp (repeatable or comma-separated)' },
  { key: 'turnSecret', flag: 'turn-secret', type: 'secret', default: '', help: 'coturn static-auth-secret for TURN credentials (prefer PEERLINK_TURN_SECRET or --turn-secret-file: flags show in ps)' },
  { key: 'turnSecretFile', flag: 'turn-secret-file', type: 'path', default: '', help: 'file holding the TURN secret (first line)' },
  { key: 'turnTtl', flag: 'turn-ttl', type: 'ms', default: '3600000', help: 'ms TURN credentials in /relay.json stay valid (at least 60000)' }
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
  let values: Record<string, string | string[] | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries(OPTIONS.map(o => [o.flag, { type: 'string' as const, multiple: o.type.endsWith('-urls') }]))
    }).values
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0] ?? 'invalid arguments')
  }
  const config: Record<string, unknown> = {}
  for (const option of OPTIONS) {
    const flagValue = values[option.flag]
    // repeatable flags (--stun-url, --turn-url) come as a list
    const fromFlag = Array.isArray(flagValue) ? flagValue.join(',') : flagValue
    const fromEnv = env[envName(option.flag)] ?? (option.key === 'turnSecret' ? env.PEERLINK_TURN_SECRET : undefined)
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
  checkTlsAndIce(result, values, env)
  return result
}

/** TLS files come in pairs; TURN needs both URLs and a secret (read from its file here, so it is not in `ps`). */
function checkTlsAndIce (result: RelayConfig, values: Record<string, unknown>, env: Record<string, string | undefined>): void {
  if ((result.tlsCert === '') !== (result.tlsKey === '')) {
    throw new ConfigError(result.tlsCert === '' ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key')
  }
  if (result.turnSecretFile !== '') {
    if (result.turnSecret !== '') throw new ConfigError('--turn-secret-file and --turn-secret (or PEERLINK_TURN_SECRET) are both set: use one')
    let text: string
    try {
      text = readFileSync(result.turnSecretFile, 'utf8')
    } catch (err) {
      throw new ConfigError(`--turn-secret-file ${result.turnSecretFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    result.turnSecret = text.split(/\r?\n/)[0]?.trim() ?? ''
    if (result.turnSecret === '') throw new ConfigError(`--turn-secret-file ${result.turnSecretFile}: the file is empty`)
  }
  const secretSource = result.turnSecretFile !== '' ? '--turn-secret-file' : typeof values['turn-secret'] === 'string' ? '--turn-secret' : env[envName('turn-secret')] != null ? envName('turn-secret') : 'PEERLINK_TURN_SECRET'
  if (result.turnSecret !== '' && result.turnUrls.length === 0) throw new ConfigError(`${secretSource} is set but no --turn-url is: the secret is only used for TURN credentials`)
  if (result.turnUrls.length > 0 && result.turnSecret === '') throw new ConfigError('--turn-url needs a TURN secret: --turn-secret-file, PEERLINK_TURN_SECRET or --turn-secret')
  if (result.turnTtl < 60_000) throw new ConfigError(`--turn-ttl must be at least 60000 ms (got "${result.turnTtl}")`)
}

function convert (option: Option, raw: string, source: string): unknown {
  const fail = (expected: string): never => {
    throw new ConfigError(`${source} must be ${expected} (got "${raw}")`)
  }
  switch (option.type) {
    case 'string':
      if (raw === '' && option.key !== 'httpHost') fail('a non-empty string')
      return raw
    case 'path':
      return raw
    case 'secret':
      // never echoed in an error: it is a secret
      return raw
    case 'stun-urls':
    case 'turn-urls':
      return raw.split(',').map(s => s.trim()).filter(s => s !== '').map(url => {
        try {
          return parseIceUrl(url, option.type === 'stun-urls' ? 'stun' : 'turn')
        } catch {
          return fail(option.type === 'stun-urls' ? 'stun:<host>[:<port>] or stuns:<host>[:<port>] URLs' : 'turn:<host>[:<port>][?transport=udp|tcp] or turns: URLs')
        }
      })
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
