/**
 * No Docker engine runs in CI, so this runs the images' Dockerfile steps
 * without Docker: a build stage's COPY lines into a fresh directory, its RUN
 * lines there (offline, from the pnpm store, with an empty metadata cache),
 * then checks what the final stage takes from it. The relay's image: the
 * image's command with the image's env must serve /healthz and /relay.json and
 * stop on SIGTERM. The deployment's web image (deploy/web.Dockerfile): the
 * built app, naming no domain, where the Caddy stage copies it from.
 */
import { execFile, spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { freePort } from './support/relay-process.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Runs the build stage of `dockerfile` (relative to the workspace root) in `work`/src: its COPY lines from the
 * workspace, then its RUN lines (but the global pnpm install) with `/out` replaced by `out`, offline and with an
 * empty pnpm metadata cache: the steps must need nothing but the store that the workspace's `pnpm install` filled
 * (a fresh clone has no metadata cache beyond that). Returns the RUN lines as run.
 */
async function runBuildStage (dockerfile: string, work: string, out: string): Promise<string[]> {
  const text = await readFile(join(root, dockerfile), 'utf8')
  const buildStage = text.split(/^FROM /m)[1] ?? ''
  const context = join(work, 'src')
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
  const cache = join(work, 'pnpm-cache')
  await mkdir(cache)
  for (const run of runs) {
    await promisify(execFile)('sh', ['-c', run], {
      cwd: context,
      env: { ...process.env, PNPM_OFFLINE: '1', npm_config_offline: 'true', XDG_CACHE_HOME: cache, npm_config_cache_dir: join(cache, 'pnpm') }
    }).catch((err: Error & { stdout?: string }) => { throw new Error(`${run} failed: ${err.message}\n${err.stdout ?? ''}`) })
  }
  return runs
}

describe('the Dockerfile steps', () => {
  it('build a self-contained relay that starts with the image env and stops on SIGTERM', async () => {
    const dockerfile = await readFile(join(root, 'relay/Dockerfile'), 'utf8')
    expect(dockerfile).toContain('CMD ["node", "dist/main.js"]')

    const work = await mkdtemp(join(tmpdir(), 'peerlink-relay-image-'))
    const out = join(work, 'app')
    expect(await runBuildStage('relay/Dockerfile', work, out)).toEqual([`sh relay/docker/build.sh ${out}`])

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

  it("build the deployment's web image: the app, for any domain, where the Caddy stage takes it", async () => {
    const dockerfile = await readFile(join(root, 'deploy/web.Dockerfile'), 'utf8')
    // one image for every deployment: no build argument names a domain
    expect(dockerfile).not.toMatch(/^\s*ARG\b/m)
    const final = dockerfile.split(/^FROM /m).at(-1)!
    expect(final).toMatch(/^caddy:/)
    expect(final).toContain('COPY --from=build /out /srv/peerlink')
    expect(final).toContain('COPY deploy/Caddyfile /etc/caddy/Caddyfile')

    const work = await mkdtemp(join(tmpdir(), 'peerlink-web-image-'))
    const out = join(work, 'out')
    expect(await runBuildStage('deploy/web.Dockerfile', work, out)).toEqual([
      'pnpm install --frozen-lockfile --filter @peerlink/web...',
      'pnpm --filter @peerlink/core run build',
      `sh deploy/build-web.sh ${out}`
    ])
    for (const file of ['index.html', 'sw.js', 'manifest.webmanifest', 'icon-192.png']) {
      expect((await stat(join(out, file))).isFile(), file).toBe(true)
    }
    const index = await readFile(join(out, 'index.html'), 'utf8')
    const script = /src="\/(assets\/[^"]+\.js)"/.exec(index)?.[1]
    expect(script, index).toBeDefined()
    expect((await stat(join(out, script!))).size).toBeGreaterThan(0)
    // the app reads its relays from the server's config.json, never cached by its service worker
    const app = (await Promise.all((await readdir(join(out, 'assets'))).filter(f => f.endsWith('.js')).map(async f => readFile(join(out, 'assets', f), 'utf8')))).join('\n')
    expect(app).toContain('config.json')
    expect(await readFile(join(out, 'sw.js'), 'utf8')).not.toContain('config.json')
  }, 240_000)
})
