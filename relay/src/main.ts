#!/usr/bin/env node
/**
 * peerlink-relay: command-line entry. Config comes from flags and
 * PEERLINK_RELAY_* env vars; a bad value exits with status 2 and one line on
 * stderr. Prints one `peerlink-relay ready {json}` line on stdout once
 * listening; stops gracefully on SIGTERM/SIGINT.
 */
import { ConfigError, parseConfig, usage } from './config.js'
import { startHttp } from './http.js'
import { createRelay } from './relay.js'

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

try {
  const relay = await createRelay(config)
  const http = await startHttp(relay, config.httpHost, config.httpPort)
  const httpHost = config.httpHost.includes(':') ? `[${config.httpHost}]` : config.httpHost
  const ready = { ...relay.info(), http: `http://${httpHost === '0.0.0.0' ? '127.0.0.1' : httpHost}:${http.port}` }
  process.stdout.write(`peerlink-relay ready ${JSON.stringify(ready)}\n`)

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    http.stopping()
    process.stdout.write(`peerlink-relay: ${signal}, stopping\n`)
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    http.server.close()
    http.server.closeAllConnections()
    relay.stop().then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGTERM', () => { shutdown('SIGTERM') })
  process.on('SIGINT', () => { shutdown('SIGINT') })
} catch (err) {
  const e = err as NodeJS.ErrnoException
  // a port in use or a data directory we cannot write is a configuration problem, not a crash
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EROFS') {
    process.stderr.write(`peerlink-relay: ${e.message}\n`)
    process.exit(2)
  }
  throw err
}
