#!/usr/bin/env node
/**
 * peerlink-relay: command-line entry. Config comes from flags and
 * PEERLINK_RELAY_* env vars; a bad value, and any failure to start (a taken
 * port, a host that is not ours, an unusable data directory, a corrupt key),
 * exits with status 2 and one line on stderr naming the setting. Prints one
 * `peerlink-relay ready {json}` line on stdout once listening; stops gracefully on SIGTERM/SIGINT (also while still starting).
 */
import { ConfigError, parseConfig, usage } from './config.js'
import { RelayStartError, firstLine } from './errors.js'
import { startHttp } from './http.js'
import { checkListenable, libp2pListenError, listenError, listenSettings } from './listen-check.js'
import { iceAdvertiser } from './ice.js'
import { checkDescriptors } from './limits.js'
import { createRelay } from './relay.js'
import { RelayTls } from './tls.js'

const args = process.argv.slice(2)
if (args.includes('--help')) {
  process.stdout.write(usage() + '\n')
  process.exit(0)
}

let config
try {
  config = parseConfig(args, process.env)
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`peerlink-relay: ${err.message} (see --help)\n`)
    process.exit(2)
  }
  throw err
}

// what a signal has to stop; filled in as the relay starts
let stopRelay: (() => Promise<void>) | undefined
let stopping = false
const shutdown = (signal: string): void => {
  if (stopping) return
  stopping = true
  process.stdout.write(`peerlink-relay: ${signal}, stopping\n`)
  const force = setTimeout(() => process.exit(1), 10_000 + (config?.stopDrain ?? 0))
  force.unref()
  ;(stopRelay?.() ?? Promise.resolve()).then(() => process.exit(0), () => process.exit(1))
}
process.on('SIGTERM', () => { shutdown('SIGTERM') })
process.on('SIGINT', () => { shutdown('SIGINT') })

try {
  await checkListenable(config)
  const descriptors = await checkDescriptors(config.maxConnections)
  if (descriptors != null) process.stderr.write(`peerlink-relay: ${descriptors}\n`)
  // --tls-cert/--tls-key: read and checked now (exit 2 naming the file), read again on SIGHUP
  const tls = config.tlsCert !== '' ? await RelayTls.load(config.tlsCert, config.tlsKey) : undefined
  tls?.checkAnnounce(config.announce)
  if (tls != null) {
    process.on('SIGHUP', () => {
      tls.reload().then(
        cert => { process.stdout.write(`peerlink-relay: SIGHUP, certificate reloaded (serial ${cert.serialNumber}, valid to ${cert.validTo})\n`) },
        (err: unknown) => { process.stderr.write(`peerlink-relay: SIGHUP: ${firstLine(err)}; keeping the current certificate\n`) })
    })
  }
  const relay = await createRelay(config, { tls }).catch((err: unknown) => { throw libp2pListenError(config, err) ?? err })
  stopRelay = async () => relay.stop()
  const http = await startHttp(relay, config, { tls, ice: iceAdvertiser(config) })
    .catch((err: unknown) => { throw listenError(listenSettings(config).http, err) })
  stopRelay = async () => {
    // the drain: /healthz answers 503 "stopping" (a load balancer stops sending visitors) and no
    // reservation is taken, while connections and the HTTP port stay up
    http.stopping()
    relay.drain()
    if (config.stopDrain > 0) await new Promise(resolve => setTimeout(resolve, config.stopDrain))
    http.server.close()
    http.server.closeAllConnections()
    await relay.stop()
  }
  if (stopping) {
    await stopRelay()
    process.exit(0)
  }
  const httpHost = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost
  const ready = { ...relay.info(), http: `${tls != null ? 'https' : 'http'}://${httpHost === '0.0.0.0' ? '127.0.0.1' : httpHost}:${http.port}` }
  process.stdout.write(`peerlink-relay ready ${JSON.stringify(ready)}\n`)
} catch (err) {
  // every failure to start is one line naming the setting at fault (RelayStartError) and status 2;
  // anything else still is one line, with its stack only when DEBUG is set
  if (!(err instanceof RelayStartError) && process.env.DEBUG != null) process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.stderr.write(`peerlink-relay: ${err instanceof RelayStartError ? err.message : `cannot start: ${firstLine(err)}`}\n`)
  process.exit(2)
}
