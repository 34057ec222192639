import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

/** The built relay CLI (`pnpm build` makes it); run by path, so core takes no dependency on the relay package. */
const RELAY_MAIN = fileURLToPath(new URL('../../../../../relay/dist/main.js', import.meta.url))

export interface RelayProcess {
  peerId: string
  multiaddrs: string[]
  /** `<http side port>/relay.json`, the entry a peer's relay list takes. */
  infoUrl: string
  process: ChildProcess
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>
}

/**
 * Starts the relay CLI on loopback with free ports and a fresh data directory
 * and waits for its `ready` line.
 */
export async function startRelay (extraArgs: string[] = []): Promise<RelayProcess> {
  if (!existsSync(RELAY_MAIN)) throw new Error(`${RELAY_MAIN} is missing: run \`pnpm build\` first`)
  const dataDir = await mkdtemp(join(tmpdir(), 'peerlink-relay-'))
  const args = ['--host', '127.0.0.1', '--ws-port', '0', '--webrtc-port', '0', '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, ...extraArgs]
  const child = spawn(process.execPath, [RELAY_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { out += s })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => { resolve(code) }))
  const ready = await new Promise<{ peerId: string, multiaddrs: string[], http: string }>((resolve, reject) => {
    const onData = (): void => {
      const line = out.split('\n').find(l => l.startsWith('peerlink-relay ready '))
      if (line == null) return
      child.stdout.off('data', onData)
      resolve(JSON.parse(line.slice('peerlink-relay ready '.length)) as { peerId: string, multiaddrs: string[], http: string })
    }
    child.stdout.on('data', onData)
    void exited.then(code => { reject(new Error(`relay exited with ${String(code)} before it was ready:\n${out}`)) })
  })
  return {
    peerId: ready.peerId,
    multiaddrs: ready.multiaddrs,
    infoUrl: `${ready.http}/relay.json`,
    process: child,
    stop: async () => {
      if (child.exitCode == null) child.kill('SIGTERM')
      return exited
    }
  }
}
