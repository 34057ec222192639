import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built relay CLI. */
export const RELAY_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

export interface RelayInfo {
  peerId: string
  multiaddrs: string[]
  /** Base URL of the HTTP side port. */
  http: string
}

export interface RelayProcess extends RelayInfo {
  /** `<http>/relay.json`, the entry the app takes. */
  infoUrl: string
  dataDir: string
  args: string[]
  process: ChildProcess
  /** Everything the relay printed so far. */
  output(): string
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>
  addr(kind: 'ws' | 'webrtc-direct' | 'tcp'): string
}

/** A TCP port that was free a moment ago (for tests that restart a relay on the same ports). */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

/**
 * Starts the relay CLI on loopback with free ports and a fresh data directory
 * (unless given) and waits for its `ready` line.
 */
export async function startRelay (extraArgs: string[] = [], options: { dataDir?: string, env?: NodeJS.ProcessEnv } = {}): Promise<RelayProcess> {
  const dataDir = options.dataDir ?? await mkdtemp(join(tmpdir(), 'peerlink-relay-'))
  const args = ['--host', '127.0.0.1', '--ws-port', '0', '--webrtc-port', '0', '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, ...extraArgs]
  const child = spawn(process.execPath, [RELAY_MAIN, ...args], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { out += s })
  const exited = new Promise<number | null>(resolve => child.once('exit', (code, signal) => {
    if (signal != null) out += `\n[relay killed by ${signal}]\n`
    resolve(code)
  }))
  const info = await new Promise<RelayInfo>((resolve, reject) => {
    const onData = (): void => {
      const line = out.split('\n').find(l => l.startsWith('peerlink-relay ready '))
      if (line != null) {
        child.stdout.off('data', onData)
        resolve(JSON.parse(line.slice('peerlink-relay ready '.length)) as RelayInfo)
      }
    }
    child.stdout.on('data', onData)
    void exited.then(code => { reject(new Error(`relay exited with ${String(code)} before it was ready:\n${out}`)) })
  })
  return {
    ...info,
    infoUrl: `${info.http}/relay.json`,
    dataDir,
    args,
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode == null) child.kill('SIGTERM')
      return exited
    },
    addr: (kind) => {
      const found = info.multiaddrs.find(a => kind === 'ws' ? a.includes('/ws/') : kind === 'webrtc-direct' ? a.includes('/webrtc-direct/') : /\/tcp\/\d+\/p2p\//.test(a))
      if (found == null) throw new Error(`relay has no ${kind} address: ${info.multiaddrs.join(' ')}`)
      return found
    }
  }
}

/** Runs the relay CLI to completion (for configuration errors). */
export async function runRelay (args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [RELAY_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  return { code, stdout, stderr }
}
