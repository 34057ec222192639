/**
 * The processes a benchmark run needs: a real relay (the built CLI, as the
 * e2e and relay tests start it) and the built app served by `vite preview`,
 * as `pnpm start` serves it, on free loopback ports so a run does not collide
 * with an e2e run (which uses 5199).
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, startRelay, type RelayProcess } from '../../relay/test/support/relay-process.ts'

export { startRelay, type RelayProcess }

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const VITE = join(ROOT, 'apps/web/node_modules/vite/bin/vite.js')

/**
 * A last resort when the bench exits before stopping what it started (a
 * signal while a server is still starting, a crash): SIGTERM to every
 * direct child process still running (relay, vite preview, Chromium).
 */
export function stopChildrenOnExit (): void {
  process.on('exit', () => {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        if (ppid === process.pid) process.kill(Number(entry), 'SIGTERM')
      } catch {
        // gone already
      }
    }
  })
}

export interface AppServer {
  url: string
  stop(): Promise<void>
}

/**
 * Serves a snapshot of apps/web/dist (copied first, so a rebuild by someone
 * else during a long run changes nothing under the pages) with vite preview.
 */
export async function startApp (): Promise<AppServer> {
  const snapshot = await mkdtemp(join(tmpdir(), 'peerlink-bench-app-'))
  await cp(join(ROOT, 'apps/web/dist'), snapshot, { recursive: true })
  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  const child = spawn(process.execPath, [VITE, 'preview', 'apps/web', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', snapshot], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { out += s })
  const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
  const deadline = Date.now() + 60_000
  while (true) {
    if (child.exitCode != null) throw new Error(`vite preview exited with ${child.exitCode}:\n${out}`)
    const ok = await fetch(url).then(r => r.ok, () => false)
    if (ok) break
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new Error(`vite preview did not answer on ${url} within 60 s:\n${out}`)
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode == null) child.kill('SIGTERM')
      await exited
      await rm(snapshot, { recursive: true, force: true })
    }
  }
}
