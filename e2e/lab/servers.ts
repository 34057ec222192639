/**
 * The lab's public servers, in the test's namespace (the public segment):
 * coturn (STUN/TURN), Caddy (the app over https) and relays. Every process
 * is killed by `stopAll`, which the lab calls on teardown however the run ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { connect } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RELAY_MAIN, type RelayInfo } from '../../relay/test/support/relay-process.js'

export const LAB_DIR = fileURLToPath(new URL('.', import.meta.url))
export const APP_DIST = fileURLToPath(new URL('../../apps/web/dist', import.meta.url))

export interface Server {
  name: string
  process: ChildProcess
  output(): string
  stop(): Promise<void>
}

const running = new Set<Server>()

/** Starts a server process and keeps its output. */
export function startServer (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Server {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { out += s })
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  const server: Server = {
    name,
    process: child,
    output: () => out,
    stop: async () => {
      running.delete(server)
      if (child.exitCode == null && child.signalCode == null) {
        child.kill('SIGTERM')
        const force = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(force)
      }
    }
  }
  running.add(server)
  return server
}

/** Stops every server still running. */
export async function stopAll (): Promise<void> {
  await Promise.all([...running].map(async s => { await s.stop() }))
}

/** Kills every server at once, synchronously (for process exit hooks). */
export function killAllNow (): void {
  for (const s of running) s.process.kill('SIGKILL')
  running.clear()
}

/** Resolves when `host:port` accepts a TCP connection; fails with the server's output if it exits or `timeoutMs` passes. */
export async function waitForTcp (server: Server, host: string, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (server.process.exitCode != null) throw new Error(`${server.name} exited with ${server.process.exitCode}:\n${server.output()}`)
    const ok = await new Promise<boolean>(resolve => {
      const socket = connect({ host, port })
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => { resolve(false) })
    })
    if (ok) return
    if (Date.now() > deadline) throw new Error(`${server.name} did not listen on ${host}:${port} in ${timeoutMs} ms:\n${server.output()}`)
    // nothing to await: the server gives no signal but its listening port
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

export interface Turn extends Server {
  address: string
  /** ICE servers with short-lived credentials (valid for `ttlSeconds`). */
  iceServers(ttlSeconds?: number): RTCIceServer[]
}

/** coturn with the repo's config file, listening on `address`, relaying from `relayAddress`, with a shared secret for short-lived credentials. */
export async function startCoturn (address: string, secret: string, dir: string, relayAddress = address): Promise<Turn> {
  const server = startServer('coturn', 'turnserver', [
    '-c', join(LAB_DIR, 'turnserver.conf'),
    `--listening-ip=${address}`, `--relay-ip=${relayAddress}`, `--static-auth-secret=${secret}`,
    `--log-file=${join(dir, 'turn.log')}`, `--pidfile=${join(dir, 'turn.pid')}`, `--db=${join(dir, 'turndb')}`,
    ...(process.env.PEERLINK_LAB_TURN_VERBOSE === '1' ? ['--verbose'] : [])
  ])
  await waitForTcp(server, address, 3478)
  return {
    ...server,
    address,
    iceServers: (ttlSeconds = 3600) => {
      const username = `${Math.floor(Date.now() / 1000) + ttlSeconds}:lab`
      const credential = createHmac('sha1', secret).update(username).digest('base64')
      return [
        { urls: `stun:${address}:3478` },
        { urls: [`turn:${address}:3478?transport=udp`, `turn:${address}:3478?transport=tcp`], username, credential }
      ]
    }
  }
}

/** Caddy serving the built app over https on `address`:443 (e2e/lab/Caddyfile). */
export async function startCaddy (address: string, cert: { certPath: string, keyPath: string }, dir: string): Promise<Server> {
  const server = startServer('caddy', 'caddy', ['run', '--config', join(LAB_DIR, 'Caddyfile'), '--adapter', 'caddyfile'], {
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    LAB_CADDY_DATA: join(dir, 'storage'),
    LAB_WEB_HOST: address,
    LAB_TLS_CERT: cert.certPath,
    LAB_TLS_KEY: cert.keyPath,
    LAB_APP_DIR: APP_DIST
  })
  await waitForTcp(server, address, 443)
  return server
}

export interface LabRelay extends Server, RelayInfo {
  address: string
  /** The https URL of its relay.json, as the app takes it. */
  infoUrl: string
}

/** A relay CLI on `address` with fixed ports; waits for its ready line. */
export async function startLabRelay (name: string, address: string, dir: string, extraArgs: string[], infoUrl: string): Promise<LabRelay> {
  const server = startServer(name, process.execPath, [RELAY_MAIN,
    '--host', address, '--ws-port', '9001', '--webrtc-port', '9002', '--tcp-port', '9003', '--http-port', '9090',
    '--data-dir', dir, ...extraArgs])
  const info = await new Promise<RelayInfo>((resolve, reject) => {
    const onData = (): void => {
      const line = server.output().split('\n').find(l => l.startsWith('peerlink-relay ready '))
      if (line != null) {
        server.process.stdout?.off('data', onData)
        resolve(JSON.parse(line.slice('peerlink-relay ready '.length)) as RelayInfo)
      }
    }
    server.process.stdout?.on('data', onData)
    server.process.once('exit', code => { reject(new Error(`${name} exited with ${String(code)} before it was ready:\n${server.output()}`)) })
  })
  return { ...server, ...info, address, infoUrl }
}
