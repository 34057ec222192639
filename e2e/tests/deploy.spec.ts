/**
 * The self-hosting deployment (deploy/): its compose file's services run as
 * processes with the same commands, environment and config files (no Docker
 * engine runs here; e2e/deploy/compose.ts maps mounts, secrets, host names
 * and published ports), Caddy with a test CA in place of ACME (`local_certs`
 * from a root made by the test). Chromium opens the app through Caddy's
 * https origin, trusting only its certificates: the app, built once naming no
 * domain, takes its relays from the config.json Caddy serves for the domain,
 * the service worker controls the page, the PWA is installable, two browsers
 * each on one of the two relays chat and share a file, and the response
 * headers are the PWA's; then Caddy serves the same build for a second domain,
 * whose relays the app takes. Also: deploy/check-env's one-line refusals,
 * deploy/make-secrets, the Prometheus config and the systemd units.
 */
import { execFile } from 'node:child_process'
import { createHash, randomBytes, X509Certificate } from 'node:crypto'
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { promisify } from 'node:util'
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { parse } from 'yaml'
import { APP_PERMISSIONS, openApp, openView, readPeerId } from '../support/app.js'
import { createRoom, member, messages, send, setName } from '../support/chat.js'
import { controlled, fileRow, makeFile, opfsSha256, saveToOpfs, shareFiles } from '../support/files.js'
import { expect, test } from '../support/test.js'
import { DEPLOY, DeployNetwork, loadCompose, parseEnvFile, processOf, publishedPorts, ROOT, startService, writeSecret } from '../deploy/compose.js'
import { stopAll, waitForTcp, type Server } from '../lab/servers.js'
import { makeCa } from '../../relay/test/support/certs.js'
import { turnAllocate } from '../../relay/test/support/turn-client.js'

const run = promisify(execFile)

const DOMAIN = 'peerlink.test'
/** A second deployment's domain, served from the same build. */
const OTHER_DOMAIN = 'chat.other.test'
const PUBLIC_IP = '198.18.0.1'
/** Each service's own address, as a container has on the compose network. */
const HOSTS: Record<string, string> = { relay1: '198.18.1.1', relay2: '198.18.1.2' }
const ORIGIN = `https://${DOMAIN}`

async function exists (path: string): Promise<boolean> {
  return access(path).then(() => true, () => false)
}

/** The files under `dir` (relative paths) whose content contains any of `needles`. */
async function filesContaining (dir: string, needles: string[]): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const text = await readFile(path, 'latin1')
    if (needles.some(n => text.includes(n))) found.push(relative(dir, path))
  }
  return found
}

/** Where a tool is, or undefined. */
async function which (tool: string): Promise<string | undefined> {
  return run('sh', ['-c', `command -v ${tool}`]).then(r => r.stdout.trim() || undefined, () => undefined)
}

/** deploy/check-env on an env file: its exit code and stderr lines. */
async function checkEnv (file: string): Promise<{ code: number, lines: string[] }> {
  const result = await run('sh', [join(DEPLOY, 'check-env'), file]).then(r => ({ code: 0, stderr: r.stderr }), (err: { code: number, stderr: string }) => ({ code: err.code, stderr: err.stderr }))
  return { code: result.code, lines: result.stderr.split('\n').filter(l => l !== '') }
}

/** The test's settings: the example's, with this test's domain and "public" address. */
async function testEnv (): Promise<Record<string, string>> {
  return {
    ...parseEnvFile(await readFile(join(DEPLOY, '.env.example'), 'utf8')),
    PEERLINK_DOMAIN: DOMAIN,
    PEERLINK_ACME_EMAIL: `ops@${DOMAIN}`,
    PEERLINK_PUBLIC_IP: PUBLIC_IP
  }
}

function envText (env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n'
}

test.describe('deploy/ as files', () => {
  test('check-env stops a start on a missing or malformed .env value with one line naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peerlink-deploy-env-'))
    const good = await testEnv()
    const file = join(dir, '.env')
    await writeFile(file, envText(good))
    expect(await checkEnv(file)).toEqual({ code: 0, lines: [] })
    // the example itself must be edited first
    const example = await checkEnv(join(DEPLOY, '.env.example'))
    expect(example.code).toBe(1)
    expect(example.lines).toHaveLength(1)
    expect(example.lines[0]).toContain('PEERLINK_DOMAIN is still the example')

    const cases: Array<[string, Record<string, string | undefined>, RegExp]> = [
      ['PEERLINK_DOMAIN', { PEERLINK_DOMAIN: undefined }, /PEERLINK_DOMAIN is not set/],
      ['PEERLINK_DOMAIN', { PEERLINK_DOMAIN: 'Peerlink Example' }, /PEERLINK_DOMAIN must be a lower-case domain name .*\(got "Peerlink Example"\)/],
      ['PEERLINK_ACME_EMAIL', { PEERLINK_ACME_EMAIL: 'nobody' }, /PEERLINK_ACME_EMAIL must be an e-mail address/],
      ['PEERLINK_PUBLIC_IP', { PEERLINK_PUBLIC_IP: '1.2.3' }, /PEERLINK_PUBLIC_IP must be an IPv4 address .*\(got "1\.2\.3"\)/],
      ['PEERLINK_PUBLIC_IP', { PEERLINK_PUBLIC_IP: '192.168.1.20' }, /PEERLINK_PUBLIC_IP must be this server's public address/],
      // private 172.16/12 and shared (carrier-grade NAT) 100.64/10, at both ends of each range
      ['PEERLINK_PUBLIC_IP', { PEERLINK_PUBLIC_IP: '172.16.0.5' }, /PEERLINK_PUBLIC_IP must be this server's public address, not a private, shared or loopback one \(got "172\.16\.0\.5"\)/],
      ['PEERLINK_PUBLIC_IP', { PEERLINK_PUBLIC_IP: '172.31.255.254' }, /PEERLINK_PUBLIC_IP must be this server's public address/],
      ['PEERLINK_PUBLIC_IP', { PEERLINK_PUBLIC_IP: '100.64.0.1' }, /PEERLINK_PUBLIC_IP must be this server's public address, not a private, shared or loopback one \(got "100\.64\.0\.1"\)/],
      ['PEERLINK_PUBLIC_IP', { PEERLINK_PUBLIC_IP: '100.127.255.254' }, /PEERLINK_PUBLIC_IP must be this server's public address/],
      ['PEERLINK_RELAY1_WEBRTC_PORT', { PEERLINK_RELAY1_WEBRTC_PORT: '' }, /PEERLINK_RELAY1_WEBRTC_PORT is not set/],
      ['PEERLINK_RELAY2_WEBRTC_PORT', { PEERLINK_RELAY2_WEBRTC_PORT: '70000' }, /PEERLINK_RELAY2_WEBRTC_PORT must be a port number from 1 to 65535 \(got "70000"\)/],
      ['PEERLINK_RELAY2_WEBRTC_PORT', { PEERLINK_RELAY2_WEBRTC_PORT: good.PEERLINK_RELAY1_WEBRTC_PORT }, /PEERLINK_RELAY2_WEBRTC_PORT must differ/],
      ['PEERLINK_TURN_PORT', { PEERLINK_TURN_PORT: '34x8' }, /PEERLINK_TURN_PORT must be a port number/],
      ['PEERLINK_TURN_MIN_PORT', { PEERLINK_TURN_MIN_PORT: '60000' }, /PEERLINK_TURN_MIN_PORT must be below PEERLINK_TURN_MAX_PORT/],
      ['PEERLINK_GRAFANA_PORT', { PEERLINK_GRAFANA_PORT: undefined }, /PEERLINK_GRAFANA_PORT is not set/]
    ]
    for (const [name, change, message] of cases) {
      const env: Record<string, string> = { ...good }
      for (const [k, v] of Object.entries(change)) {
        if (v == null) delete env[k]
        else env[k] = v
      }
      await writeFile(file, envText(env))
      const result = await checkEnv(file)
      expect(result.code, `${name} ${JSON.stringify(change)}`).toBe(1)
      expect(result.lines, `${name} ${JSON.stringify(change)}`).toHaveLength(1)
      expect(result.lines[0]).toMatch(message)
      expect(result.lines[0]).toContain(name)
    }
    // the public addresses just outside those ranges pass
    for (const ip of ['172.15.255.254', '172.32.0.1', '100.63.255.254', '100.128.0.1']) {
      await writeFile(file, envText({ ...good, PEERLINK_PUBLIC_IP: ip }))
      expect(await checkEnv(file), ip).toEqual({ code: 0, lines: [] })
    }
    expect((await checkEnv(join(dir, 'missing.env'))).lines).toEqual([`${join(dir, 'missing.env')} not found: cp deploy/.env.example deploy/.env and fill it in`])

    // every value compose.yaml needs is in the example and is checked; a missing one fails compose itself, naming it
    const compose = await readFile(join(DEPLOY, 'compose.yaml'), 'utf8')
    const used = new Set([...compose.matchAll(/\$\{(PEERLINK_\w+)/g)].map(m => m[1]!))
    const checker = await readFile(join(DEPLOY, 'check-env'), 'utf8')
    for (const name of used) {
      expect(Object.keys(good), name).toContain(name)
      expect(checker, name).toMatch(new RegExp(`^\\w+ ${name}$`, 'm'))
      expect(compose, name).toMatch(new RegExp(`\\$\\{${name}:\\?${name} is not set in deploy/\\.env\\}`))
    }
    await expect(loadCompose({ ...good, PEERLINK_PUBLIC_IP: '' })).rejects.toThrow(/PEERLINK_PUBLIC_IP is not set in deploy\/\.env/)
  })

  test('make-secrets writes the secrets once, keeps them on a second run and prints none', async () => {
    // in a copy of deploy/: it writes next to itself
    const dir = await mkdtemp(join(tmpdir(), 'peerlink-deploy-secrets-'))
    await copyFile(join(DEPLOY, 'make-secrets'), join(dir, 'make-secrets'))
    const makeSecrets = async (): Promise<string> => {
      const { stdout, stderr } = await run('sh', [join(dir, 'make-secrets')])
      return stdout + stderr
    }
    const names = ['turn_secret', 'grafana_admin_password']
    const files = names.map(n => join(dir, 'secrets', n))
    const first = await makeSecrets()
    expect(first.trim().split('\n')).toEqual(files.map(f => `wrote ${f}`))
    const secrets = await Promise.all(files.map(async f => readFile(f, 'utf8')))
    for (const secret of secrets) expect(secret).toMatch(/^[\w-]{43}\n$/)
    expect(secrets[0]).not.toBe(secrets[1])
    // the folder is its owner's only; the files are readable by the containers' users
    expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700)
    for (const f of files) expect((await stat(f)).mode & 0o777, f).toBe(0o644)

    const second = await makeSecrets()
    expect(second.trim().split('\n')).toEqual(files.map(f => `keeping ${f}`))
    expect(await Promise.all(files.map(async f => readFile(f, 'utf8')))).toEqual(secrets)
    // an empty file (an interrupted first run) is written again, the other kept
    await writeFile(files[1]!, '')
    const third = await makeSecrets()
    expect(third.trim().split('\n')).toEqual([`keeping ${files[0]}`, `wrote ${files[1]}`])
    const rewritten = await readFile(files[1]!, 'utf8')
    expect(rewritten).toMatch(/^[\w-]{43}\n$/)
    expect(await readFile(files[0]!, 'utf8')).toBe(secrets[0])
    for (const secret of [...secrets, rewritten]) expect(first + second + third).not.toContain(secret.trim())
  })

  test('Prometheus scrapes every relay of the compose file, with its alert rules', async () => {
    const compose = await loadCompose(await testEnv())
    const relays = Object.keys(compose.services).filter(s => /^relay\d+$/.test(s))
    expect(relays).toEqual(['relay1', 'relay2'])
    const config = parse(await readFile(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as { rule_files: string[], scrape_configs: Array<{ job_name: string, static_configs: Array<{ targets: string[] }> }> }
    expect(config.scrape_configs.flatMap(s => s.static_configs.flatMap(c => c.targets)).sort()).toEqual(relays.map(r => `${r}:9090`))
    // the rule files are mounted where the config names them
    const mounted = compose.services.prometheus!.volumes!.map(v => v.split(':')[1])
    for (const file of config.rule_files) expect(mounted).toContain(file)
    // the dashboard provisioning points at the folder the dashboards are mounted in
    const provider = parse(await readFile(join(DEPLOY, 'grafana/provisioning/dashboards/peerlink.yml'), 'utf8')) as { providers: Array<{ options: { path: string } }> }
    expect(compose.services.grafana!.volumes).toContain(`./grafana/dashboards:${provider.providers[0]!.options.path}:ro`)
  })

  test('promtool check config passes on the Prometheus config', async () => {
    const promtool = await which('promtool')
    test.skip(promtool == null, 'promtool is not installed (Debian: apt-get install prometheus); the config is still parsed by the test above')
    // the config with its rule file where the container has it, here in a temp dir
    const dir = await mkdtemp(join(tmpdir(), 'peerlink-deploy-prom-'))
    await copyFile(join(DEPLOY, 'prometheus/alerts.yml'), join(dir, 'alerts.yml'))
    const text = (await readFile(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')).replace('/etc/prometheus/alerts.yml', join(dir, 'alerts.yml'))
    await writeFile(join(dir, 'prometheus.yml'), text)
    const { stdout } = await run(promtool!, ['check', 'config', join(dir, 'prometheus.yml')])
    expect(stdout).toContain('is valid prometheus config file syntax')
    expect(stdout).toMatch(/SUCCESS: 5 rules found/)
  })

  test('the systemd units pass systemd-analyze verify, and the coturn unit\'s settings example is complete', async () => {
    // the coturn unit's settings file: the example sets exactly what deploy/coturn/start needs besides the secret
    expect(await readFile(join(DEPLOY, 'systemd/peerlink-coturn.service'), 'utf8')).toContain('EnvironmentFile=/etc/peerlink/coturn.env\n')
    const needed = new Set([...(await readFile(join(DEPLOY, 'coturn/start'), 'utf8')).matchAll(/\$\{(PEERLINK_\w+):\?\}/g)].map(m => m[1]!))
    expect(needed.size).toBe(5)
    expect(Object.keys(parseEnvFile(await readFile(join(DEPLOY, 'systemd/coturn.env.example'), 'utf8'))).sort()).toEqual([...needed].sort())
    const analyze = await which('systemd-analyze')
    test.skip(analyze == null, 'systemd-analyze is not installed (Debian: the systemd package)')
    const dir = await mkdtemp(join(tmpdir(), 'peerlink-deploy-units-'))
    // an instance of the template, as systemctl would start it
    await copyFile(join(DEPLOY, 'systemd/peerlink-relay@.service'), join(dir, 'peerlink-relay@.service'))
    await copyFile(join(DEPLOY, 'systemd/peerlink-relay@.service'), join(dir, 'peerlink-relay@1.service'))
    await copyFile(join(DEPLOY, 'systemd/peerlink-coturn.service'), join(dir, 'peerlink-coturn.service'))
    const result = await run(analyze!, ['verify', '--man=no', join(dir, 'peerlink-relay@1.service'), join(dir, 'peerlink-coturn.service')])
      .then(r => ({ code: 0, out: r.stdout + r.stderr }), (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }))
    // verify exits 0 on unknown keys too: any line it prints is a finding
    expect(result).toEqual({ code: 0, out: '' })
    const unit = await readFile(join(DEPLOY, 'systemd/peerlink-relay@.service'), 'utf8')
    for (const line of ['DynamicUser=yes', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'LimitNOFILE=65536', 'StandardOutput=journal', 'EnvironmentFile=/etc/peerlink/relay-%i.env']) {
      expect(unit).toContain(line)
    }
  })
})

/** An https request to the deployment: `host` resolved to the public address, the test CA trusted. */
async function get (ca: Buffer, host: string, path: string): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: PUBLIC_IP, servername: host, port: 443, path, ca, headers: { host }, timeout: 10_000 }, res => {
      let body = ''
      res.setEncoding('utf8').on('data', (s: string) => { body += s })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Resolves when `server`'s output contains `text`; fails if it exits first or `ms` pass. */
async function outputs (server: Server, text: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!server.output().includes(text)) {
    if (server.process.exitCode != null) throw new Error(`${server.name} exited with ${server.process.exitCode}:\n${server.output()}`)
    if (Date.now() > deadline) throw new Error(`${server.name} did not print "${text}" in ${ms} ms:\n${server.output()}`)
    // its next output, its exit, or the deadline
    await new Promise<void>(resolve => {
      const done = (): void => {
        clearTimeout(timer)
        server.process.stdout?.off('data', done)
        server.process.off('exit', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()))
      server.process.stdout?.on('data', done)
      server.process.once('exit', done)
    })
  }
}

/** Makes every page of `context` record the CSP violations it reports (read with `cspViolations`). */
async function recordCspViolations (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: string[] = []
    Object.defineProperty(window, '__cspViolations', { value: seen })
    document.addEventListener('securitypolicyviolation', e => { seen.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`) })
  })
}

async function cspViolations (page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations)
}

test('the compose services as processes: the app over https through Caddy installs as a PWA, two browsers on the two relays chat and share a file, and the same build serves a second domain with its relays', async () => {
  test.setTimeout(170_000)
  const started = Date.now()
  const lap = (what: string): void => { console.log(`[deploy] ${what} at ${((Date.now() - started) / 1000).toFixed(1)} s`) }
  const work = await mkdtemp(join(tmpdir(), 'peerlink-deploy-'))
  const secrets = join(work, 'secrets')
  const env = await testEnv()
  await writeFile(join(work, '.env'), envText(env))
  const turnSecret = randomBytes(24).toString('base64url')
  await writeSecret(secrets, 'turn_secret', turnSecret)
  await writeSecret(secrets, 'grafana_admin_password', randomBytes(12).toString('base64url'))
  const compose = await loadCompose(env)
  const options = { env, work, secretsDir: secrets, hosts: HOSTS }
  const net = await DeployNetwork.create(PUBLIC_IP, Object.values(HOSTS))
  let browser: Browser | undefined
  const contexts: BrowserContext[] = []
  try {
    // compose's order: check-env, relay1, relay2 (once relay1 answers), coturn, caddy
    const check = await processOf(compose, 'check-env', options)
    expect(check.argv).toEqual(['sh', join(DEPLOY, 'check-env')])
    await run(check.argv[0]!, check.argv.slice(1), { env: { PATH: process.env.PATH, ...check.env } })

    const relays: Record<string, { server: Server, peerId: string }> = {}
    for (const name of ['relay1', 'relay2']) {
      const service = compose.services[name]!
      for (const p of publishedPorts(service)) await net.publish(p.host, p.proto, HOSTS[name]!, p.container)
      const { argv, env: serviceEnv } = await processOf(compose, name, options)
      expect(serviceEnv.PEERLINK_RELAY_HOST).toBe('0.0.0.0')
      // the container's 0.0.0.0 is its one address on the compose network; the relay image's working directory is relay/
      const server = startService(name, argv, { ...serviceEnv, PEERLINK_RELAY_HOST: HOSTS[name]! }, join(ROOT, 'relay'))
      await outputs(server, 'peerlink-relay ready ')
      const ready = JSON.parse(server.output().split('\n').find(l => l.startsWith('peerlink-relay ready '))!.slice('peerlink-relay ready '.length)) as { peerId: string }
      relays[name] = { server, peerId: ready.peerId }
    }
    // relay2 found relay1 and bootstrapped to it
    expect(relays.relay2!.server.output()).toContain(`bootstrapping to http://${HOSTS.relay1}:9090 (${relays.relay1!.peerId})`)
    lap('relays ready')

    const coturnProcess = await processOf(compose, 'coturn', options)
    const coturn = startService('coturn', coturnProcess.argv, coturnProcess.env)
    await waitForTcp(coturn, PUBLIC_IP, Number(env.PEERLINK_TURN_PORT))

    // the image's content: the app as web.Dockerfile builds it, naming no domain (one build serves any)
    const caddyService = compose.services.caddy!
    expect(caddyService.build?.args).toBeUndefined()
    expect(await readFile(join(DEPLOY, caddyService.build!.dockerfile.replace(/^deploy\//, '')), 'utf8')).not.toMatch(/^\s*ARG\b/m)
    const appDir = join(work, 'app')
    await run('sh', [join(DEPLOY, 'build-web.sh'), appDir], { cwd: ROOT, env: { ...process.env, VITE_PEERLINK_RELAYS: '' } })
    expect(await filesContaining(appDir, [DOMAIN, OTHER_DOMAIN, 'relay1.'])).toEqual([])
    // the service worker never precaches the config
    expect(await readFile(join(appDir, 'sw.js'), 'utf8')).not.toContain('config.json')
    lap('app built')
    const caddyData = join(work, 'caddy-data')
    // the test CA in place of ACME: Caddy's local CA, with a root made here (so the test knows what to trust)
    const pki = join(caddyData, 'caddy/pki/authorities/local')
    await mkdir(pki, { recursive: true })
    const ca = await makeCa(work, 'caddy-root')
    await copyFile(ca.cert, join(pki, 'root.crt'))
    await copyFile(ca.key, join(pki, 'root.key'))
    /** Caddy as compose runs it for `domain`, serving `appDir`; resolves once it serves its three names, with their certificates' SPKI hashes. */
    const startCaddy = async (domain: string): Promise<{ server: Server, spki: string[] }> => {
      const caddyProcess = await processOf(await loadCompose({ ...env, PEERLINK_DOMAIN: domain }), 'caddy', options)
      expect(caddyProcess.env.PEERLINK_DOMAIN).toBe(domain)
      const server = startService('caddy', caddyProcess.argv, {
        ...caddyProcess.env,
        // the official image's environment: its /data and /config volumes
        XDG_DATA_HOME: caddyData,
        XDG_CONFIG_HOME: join(work, 'caddy-config'),
        HOME: work,
        // what differs from production: the local CA instead of ACME, the relays' addresses, the app in the image
        PEERLINK_CADDY_GLOBAL: 'local_certs',
        PEERLINK_RELAY1_UPSTREAM: HOSTS.relay1!,
        PEERLINK_RELAY2_UPSTREAM: HOSTS.relay2!,
        PEERLINK_APP_DIR: appDir
      })
      const names = [domain, `relay1.${domain}`, `relay2.${domain}`]
      const certFiles = names.map(n => join(caddyData, 'caddy/certificates/local', n, `${n}.crt`))
      await expect.poll(async () => (await Promise.all(certFiles.map(exists))).every(Boolean), { timeout: 30_000, message: `Caddy's certificates:\n${server.output()}` }).toBe(true)
      await waitForTcp(server, PUBLIC_IP, 443)
      const spki = await Promise.all(certFiles.map(async f => createHash('sha256').update(new X509Certificate(await readFile(f)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64')))
      return { server, spki }
    }
    const caddy = await startCaddy(DOMAIN)
    const spki = caddy.spki
    const caPem = await readFile(ca.cert)
    lap('caddy serving')

    // the headers a PWA needs
    const index = await get(caPem, DOMAIN, '/')
    expect(index.status).toBe(200)
    expect(index.headers['cache-control']).toBe('no-cache')
    const csp = String(index.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self';")
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.split(' ').sort()
    expect(connect).toEqual(["'self'", `https://relay1.${DOMAIN}`, `https://relay2.${DOMAIN}`, `wss://relay1.${DOMAIN}`, `wss://relay2.${DOMAIN}`].sort())
    expect(index.headers['strict-transport-security']).toMatch(/max-age=\d+/)
    for (const path of ['/sw.js', '/manifest.webmanifest', '/index.html', '/config.json']) {
      const res = await get(caPem, DOMAIN, path)
      expect(res.status, path).toBe(200)
      expect(res.headers['cache-control'], path).toBe('no-cache')
    }
    // the app's runtime configuration: this domain's relays
    const config = await get(caPem, DOMAIN, '/config.json')
    expect(config.headers['content-type']).toBe('application/json')
    expect(JSON.parse(config.body)).toEqual({ relays: [`https://relay1.${DOMAIN}/relay.json`, `https://relay2.${DOMAIN}/relay.json`] })
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1]
    expect(asset).toMatch(/-[\w-]{8}\.js$/)
    const hashed = await get(caPem, DOMAIN, asset!)
    expect(hashed.status).toBe(200)
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await get(caPem, DOMAIN, '/assets/missing-00000000.js')).status).toBe(404)
    expect((await get(caPem, DOMAIN, '/some/route')).body).toBe(index.body)

    // each relay behind Caddy: /relay.json with its wss (via Caddy) and WebRTC-direct (published) addresses and TURN; /metrics stays inside
    for (const [i, name] of ['relay1', 'relay2'].entries()) {
      const res = await get(caPem, `${name}.${DOMAIN}`, '/relay.json')
      expect(res.status).toBe(200)
      const info = JSON.parse(res.body) as { peerId: string, multiaddrs: string[], iceServers: Array<{ urls: string[], username?: string, credential?: string }> }
      expect(info.peerId).toBe(relays[name]!.peerId)
      expect(info.multiaddrs).toContain(`/dns4/${name}.${DOMAIN}/tcp/443/tls/ws/p2p/${info.peerId}`)
      const port = i === 0 ? env.PEERLINK_RELAY1_WEBRTC_PORT : env.PEERLINK_RELAY2_WEBRTC_PORT
      expect(info.multiaddrs.some(a => a.startsWith(`/ip4/${PUBLIC_IP}/udp/${port}/webrtc-direct/certhash/`))).toBe(true)
      const turn = info.iceServers.find(s => s.username != null)!
      expect(turn.urls).toContain(`turn:${PUBLIC_IP}:${env.PEERLINK_TURN_PORT}?transport=udp`)
      // coturn accepts the credentials the relay made from the shared secret
      expect(await turnAllocate(PUBLIC_IP, Number(env.PEERLINK_TURN_PORT), turn.username!, turn.credential!, { signal: AbortSignal.timeout(5_000) })).toMatchObject({ ok: true })
      expect((await get(caPem, `${name}.${DOMAIN}`, '/metrics')).status).toBe(404)
      expect((await get(caPem, `${name}.${DOMAIN}`, '/healthz')).status).toBe(200)
    }
    lap('headers and relays checked')

    const launch = {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--host-resolver-rules=MAP ${DOMAIN} ${PUBLIC_IP}, MAP *.${DOMAIN} ${PUBLIC_IP}`,
        // Caddy's certificates, and nothing else, are accepted
        `--ignore-certificate-errors-spki-list=${spki.join(',')}`]
    }
    // a first visit, with a profile on disk (an incognito context is never installable): the app's own relays
    // (from config.json), the service worker, installability, no CSP violation
    const context = await chromium.launchPersistentContext(join(work, 'profile'), { ...launch, permissions: APP_PERMISSIONS })
    contexts.push(context)
    await recordCspViolations(context)
    const page = await context.newPage()
    await page.goto(`${ORIGIN}/`)
    await readPeerId(page)
    await openView(page, 'diagnostics')
    const relayList = page.getByRole('list', { name: 'Relays' }).getByRole('listitem')
    // the relays of this domain's config.json (the build names none)
    await expect(relayList).toHaveCount(2)
    expect(await relayList.evaluateAll(items => items.map(i => i.getAttribute('data-relay-input')))).toEqual([`https://relay1.${DOMAIN}/relay.json`, `https://relay2.${DOMAIN}/relay.json`])
    for (const name of ['relay1', 'relay2']) await expect(relayList.filter({ hasText: relays[name]!.peerId })).toContainText('reserved')
    await controlled(page)
    // the service worker keeps no copy of the config (it is fetched on every start)
    expect(await page.evaluate(async () => {
      const urls: string[] = []
      for (const name of await caches.keys()) urls.push(...(await (await caches.open(name)).keys()).map(r => r.url))
      return urls.filter(u => u.endsWith('/config.json'))
    })).toEqual([])
    const cdp = await context.newCDPSession(page)
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors') as { installabilityErrors: Array<{ errorId: string }> }
    expect(installabilityErrors).toEqual([])
    const manifest = await cdp.send('Page.getAppManifest') as { url: string, errors: unknown[] }
    expect(manifest.url).toBe(`${ORIGIN}/manifest.webmanifest`)
    expect(manifest.errors).toEqual([])
    lap('installable')

    // Ann on relay1 only, Bob on relay2 only: a room, messages both ways and a file
    browser = await chromium.launch(launch)
    const relay1 = `https://relay1.${DOMAIN}/relay.json`
    const relay2 = `https://relay2.${DOMAIN}/relay.json`
    const ann = await openApp(browser, [relay1], 'Ann', ORIGIN, '', recordCspViolations)
    await ann.waitReserved(relays.relay1!.peerId)
    const link = await createRoom(ann)
    const bob = await openApp(browser, [relay2], 'Bob', ORIGIN, '', async (c) => { await recordCspViolations(c); await saveToOpfs(c) })
    await bob.waitReserved(relays.relay2!.peerId)
    // then Ann's room link
    await bob.page.goto(new URL(link, bob.page.url()).toString())
    await setName(bob, 'Bob')
    await expect(member(ann, bob.peerId)).toHaveAttribute('data-state', 'online', { timeout: 60_000 })
    await send(ann, 'hello from relay1')
    await expect(messages(bob).filter({ hasText: 'hello from relay1' })).toBeVisible()
    await send(bob, 'hello from relay2')
    await expect(messages(ann).filter({ hasText: 'hello from relay2' })).toBeVisible()
    lap('chat')
    // a file, each still on one relay: Bob finds Ann through the relays' DHT and reaches her through relay1, which he
    // was never configured with
    const file = await makeFile(256 * 1024, 'deploy-test.bin')
    await shareFiles(ann, [file.path])
    const row = fileRow(bob, file.name)
    await expect(row).toHaveAttribute('data-state', 'available')
    await row.getByRole('link', { name: `Download ${file.name}` }).click()
    await expect(row).toHaveAttribute('data-save', 'saved', { timeout: 60_000 })
    expect(await opfsSha256(bob.page, file.name)).toBe(file.sha256)
    lap('file')

    expect([...await cspViolations(page), ...await cspViolations(ann.page), ...await cspViolations(bob.page)]).toEqual([])

    // the same build under a second domain: Caddy as compose runs it with another PEERLINK_DOMAIN; the app takes that
    // domain's relays from its config.json, and reads each one's /relay.json there (the relays still announce the
    // first domain's wss: only the app's side moved)
    await caddy.server.stop()
    const other = await startCaddy(OTHER_DOMAIN)
    const otherUrls = [`https://relay1.${OTHER_DOMAIN}/relay.json`, `https://relay2.${OTHER_DOMAIN}/relay.json`]
    expect(JSON.parse((await get(caPem, OTHER_DOMAIN, '/config.json')).body)).toEqual({ relays: otherUrls })
    const otherConnect = /connect-src ([^;]+)/.exec(String((await get(caPem, OTHER_DOMAIN, '/')).headers['content-security-policy']))?.[1]?.split(' ').sort()
    expect(otherConnect).toEqual(["'self'", `https://relay1.${OTHER_DOMAIN}`, `https://relay2.${OTHER_DOMAIN}`, `wss://relay1.${OTHER_DOMAIN}`, `wss://relay2.${OTHER_DOMAIN}`].sort())
    await browser.close()
    browser = await chromium.launch({
      ...launch,
      args: [...launch.args.filter(a => !a.startsWith('--host-resolver-rules=') && !a.startsWith('--ignore-certificate-errors-spki-list=')),
        `--host-resolver-rules=MAP ${OTHER_DOMAIN} ${PUBLIC_IP}, MAP *.${OTHER_DOMAIN} ${PUBLIC_IP}`,
        `--ignore-certificate-errors-spki-list=${other.spki.join(',')}`]
    })
    const otherPage = await (await browser.newContext({ permissions: APP_PERMISSIONS })).newPage()
    await otherPage.goto(`https://${OTHER_DOMAIN}/`)
    await readPeerId(otherPage)
    await openView(otherPage, 'diagnostics')
    const otherList = otherPage.getByRole('list', { name: 'Relays' }).getByRole('listitem')
    await expect(otherList).toHaveCount(2)
    expect(await otherList.evaluateAll(items => items.map(i => i.getAttribute('data-relay-input')))).toEqual(otherUrls)
    for (const name of ['relay1', 'relay2']) await expect(otherList.filter({ hasText: relays[name]!.peerId })).toHaveCount(1)
    lap('second domain')
  } finally {
    await browser?.close().catch(() => {})
    for (const c of contexts) await c.close().catch(() => {})
    await stopAll()
    await net.remove()
  }
})
