import { readFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { MemoryDatastore } from 'datastore-core'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigError, envName, OPTIONS, parseConfig } from '../src/config.js'
import { relayLibp2pOptions, type RelayLibp2pParts } from '../src/libp2p-options.js'

describe('relay config', () => {
  it('uses the defaults when nothing is given', () => {
    const config = parseConfig([], {})
    expect(config).toMatchObject({
      host: '0.0.0.0', httpHost: '0.0.0.0', wsPort: 9001, webrtcPort: 9002, tcpPort: 9003, httpPort: 9090,
      maxReservations: 1024, allowPrivateAddresses: true, bootstrap: [], announce: []
    })
  })

  it('takes flags before env vars before defaults', () => {
    const config = parseConfig(['--ws-port', '7000'], { PEERLINK_RELAY_WS_PORT: '7001', PEERLINK_RELAY_HTTP_PORT: '7002' })
    expect(config.wsPort).toBe(7000)
    expect(config.httpPort).toBe(7002)
  })

  it('parses limits, booleans and multiaddr lists', () => {
    const id = '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4'
    const config = parseConfig([
      '--circuit-data-limit', '0', '--max-circuits-per-peer', '4', '--allow-private-addresses', 'false',
      '--bootstrap', `/ip4/10.0.0.1/tcp/9003/p2p/${id}, /dns4/relay.example/tcp/443/wss/p2p/${id}`
    ])
    expect(config.circuitDataLimit).toBe(0)
    expect(config.maxCircuitsPerPeer).toBe(4)
    expect(config.allowPrivateAddresses).toBe(false)
    expect(config.bootstrap.map(String)).toEqual([`/ip4/10.0.0.1/tcp/9003/p2p/${id}`, `/dns4/relay.example/tcp/443/wss/p2p/${id}`])
  })

  it.each([
    [['--ws-port', 'abc'], '--ws-port must be a port number from 0 to 65535 (got "abc")'],
    [['--http-port', '70000'], '--http-port must be a port number from 0 to 65535 (got "70000")'],
    [['--max-reservations', '0'], '--max-reservations must be a whole number of at least 1 (got "0")'],
    [['--max-connections=-5'], '--max-connections must be a whole number of at least 1 (got "-5")'],
    [['--circuit-duration-limit', '1.5'], '--circuit-duration-limit must be a whole number of milliseconds (got "1.5")'],
    [['--allow-private-addresses', 'maybe'], '--allow-private-addresses must be true or false (got "maybe")'],
    [['--bootstrap', 'not-a-multiaddr'], '--bootstrap must be a comma-separated list of multiaddrs (got "not-a-multiaddr")'],
    [['--bootstrap', '/ip4/127.0.0.1/tcp/9003'], '--bootstrap address "/ip4/127.0.0.1/tcp/9003" must end with /p2p/<relay PeerId>'],
    [['--data-dir', ''], '--data-dir must be a non-empty string (got "")'],
    [['--no-such-flag', '1'], "Unknown option '--no-such-flag'"],
    [['stray'], "Unexpected argument 'stray'"]
  ])('rejects %j with a clear message', (args, message) => {
    expect(() => parseConfig(args, {})).toThrow(ConfigError)
    expect(() => parseConfig(args, {})).toThrow(message)
  })

  it('names the env var when a bad value comes from the environment', () => {
    expect(() => parseConfig([], { PEERLINK_RELAY_MAX_RESERVATIONS: 'lots' }))
      .toThrow('PEERLINK_RELAY_MAX_RESERVATIONS must be a whole number of at least 1 (got "lots")')
  })
})

describe('docs/relay.md', () => {
  it('lists every option with its env var and default, as --help does', async () => {
    const doc = await readFile(fileURLToPath(new URL('../../docs/relay.md', import.meta.url)), 'utf8')
    for (const option of OPTIONS) {
      const row = doc.split('\n').find(line => line.startsWith(`| \`--${option.flag}\` |`))
      expect(row, `--${option.flag} has a row`).toBeDefined()
      expect(row).toContain(`\`${envName(option.flag)}\``)
      if (option.default !== '') expect(row).toContain(option.default)
    }
  })
})

describe('relay libp2p options', () => {
  const parts = async (): Promise<RelayLibp2pParts> => ({
    state: { privateKey: await generateKeyPair('Ed25519'), keychainPass: 'pass' },
    // only handed to libp2p, which takes any datastore
    datastore: { datastore: new MemoryDatastore() } as unknown as RelayLibp2pParts['datastore'],
    reaper: { gater: (gater) => gater },
    guard: { transport: (transport) => transport },
    getConnections: () => [],
    byIp: { count: () => 0 }
  })

  it('pings each connection every --ping-interval ms, and not at all with 0, the default', async () => {
    expect(relayLibp2pOptions(parseConfig(['--ping-interval', '60000'], {}), await parts()).connectionMonitor)
      .toMatchObject({ enabled: true, pingInterval: 60_000 })
    expect(relayLibp2pOptions(parseConfig([], {}), await parts()).connectionMonitor).toMatchObject({ enabled: false })
    expect(relayLibp2pOptions(parseConfig(['--ping-interval', '0'], {}), await parts()).connectionMonitor).toMatchObject({ enabled: false })
  })
})
