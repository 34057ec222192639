/**
 * No Docker engine runs in CI, so this runs the Dockerfile's steps without
 * Docker: its build stage's COPY lines into a fresh directory, its RUN line
 * there (offline, from the pnpm store, with an empty metadata cache), then
 * the image's command with the image's env; the relay must serve /healthz and /relay.json and stop on
 * SIGTERM.
 */
import { execFile, spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { freePort } from './support/relay-process.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('the Dockerfile steps', () => {
  it('build a self-contained relay that starts with the image env and stops on SIGTERM', async () => {
    const dockerfile = await readFile(join(root, 'relay/Dockerfile'), 'utf8')
    const buildStage = dockerfile.split(/^FROM /m)[1] ?? ''
    expect(dockerfile).toContain('CMD ["node", "dist/main.js"]')

    const work = await mkdtemp(join(tmpdir(), 'peerlink-relay-image-'))
    const context = join(work, 'src')
    const out = join(work, 'app')
    await mkdir(context)
    const runs: string[] = []
    for (const line of buildStage.split('\n')) {
      const [instruction, ...args] = line.trim().split(/\s+/)
      if (instruction === 'COPY') {
        const dest = args.pop()!
        for (const src of args) {
          await cp(join(root, src), join(context, dest, dest.endsWith('/') ? src.split('/').pop()! : ''), { recursive: true })
        }
      } else if (instruction === 'RUN' && !line.includes('npm install -g pnpm')) {
        runs.push(args.join(' ').replace(/\/out\b/, out))
      }
    }
    expect(runs).toEqual([`sh relay/docker/build.sh ${out}`])
    for (const run of runs) {
      // offline, and with an empty pnpm metadata cache: the steps must need nothing but the store
      // that the workspace's `pnpm install` filled (a fresh clone has no metadata cache beyond that)
      const cache = join(work, 'pnpm-cache')
      await mkdir(cache)
      await promisify(execFile)('sh', ['-c', run], {
        cwd: context,
        env: { ...process.env, PNPM_OFFLINE: '1', XDG_CACHE_HOME: cache, npm_config_cache_dir: join(cache, 'pnpm') }
      }).catch((err: Error & { stdout?: string }) => { throw new Error(`${run} failed: ${err.message}\n${err.stdout ?? ''}`) })
    }

    const httpPort = await freePort()
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: out,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        PEERLINK_RELAY_DATA_DIR: join(out, '..', 'data'),
        PEERLINK_RELAY_HOST: '127.0.0.1',
        PEERLINK_RELAY_WS_PORT: '0',
        PEERLINK_RELAY_WEBRTC_PORT: '0',
        PEERLINK_RELAY_TCP_PORT: '0',
        PEERLINK_RELAY_HTTP_PORT: String(httpPort)
      }
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
    child.stderr.setEncoding('utf8').on('data', (s: string) => { output += s })
    const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
    try {
      await expect.poll(() => output, { timeout: 20_000 }).toContain('peerlink-relay ready')
      const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`)
      expect(health.status).toBe(200)
      const info = await (await fetch(`http://127.0.0.1:${httpPort}/relay.json`)).json() as { multiaddrs: string[] }
      expect(info.multiaddrs.some(a => a.includes('/ws/p2p/'))).toBe(true)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited, output).toBe(0)
  }, 240_000)
})
