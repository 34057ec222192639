/**
 * Runs deploy/compose.yaml's services as processes, as Docker would run them
 * (no Docker engine runs here): each service's own command or entrypoint and
 * environment, interpolated from a .env file like `docker compose` does, with
 * its bind-mounted config files taken from deploy/, named volumes and secrets
 * as temp folders and files, and service host names as addresses. Published
 * ports are DNAT rules from the "public" address to the service's address
 * (iptables, in the test's own network namespace), as Docker publishes them.
 */
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parse } from 'yaml'
import { startServer, type Server } from '../lab/servers.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const DEPLOY = join(ROOT, 'deploy')

const run = promisify(execFile)

export interface ComposeService {
  image?: string
  command?: string[]
  entrypoint?: string[]
  environment?: Record<string, string | number | boolean | null>
  env_file?: string | string[]
  volumes?: string[]
  secrets?: string[]
  ports?: string[]
  tmpfs?: string[]
  depends_on?: Record<string, { condition: string }>
  network_mode?: string
  build?: { context: string, dockerfile: string, args?: Record<string, string> }
}

export interface ComposeFile {
  services: Record<string, ComposeService>
  secrets: Record<string, { file: string }>
  volumes: Record<string, unknown>
}

/** Reads a .env file as compose does (KEY=VALUE lines, # comments, quotes dropped). */
export function parseEnvFile (text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
    if (m == null) continue
    env[m[1]!] = m[2]!.trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
  }
  return env
}

/** Compose's interpolation: ${VAR}, ${VAR:?message} (fails when unset or empty), ${VAR:-default}. */
export function interpolate (text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:\?|:-)([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string | undefined) => {
    const value = env[name]
    if (value != null && value !== '') return value
    if (op === ':?') throw new Error(`required variable ${name} is missing a value: ${arg ?? ''}`)
    if (op === ':-') return arg ?? ''
    return ''
  })
}

/** deploy/compose.yaml with `env` interpolated (YAML merge keys resolved). */
export async function loadCompose (env: Record<string, string>): Promise<ComposeFile> {
  const text = await readFile(join(DEPLOY, 'compose.yaml'), 'utf8')
  return parse(interpolate(text, env), { merge: true }) as ComposeFile
}

/** Where a service's container paths are on this machine. */
export interface Mounts {
  /** container path → local path, longest first */
  paths: Array<[string, string]>
}

/**
 * The local path of each of a service's mounts: `./file:/path` → deploy/file,
 * `volume:/path` and tmpfs → a folder under `work`, secrets → `secretsDir`/<name>.
 */
export async function mountsOf (compose: ComposeFile, name: string, work: string, secretsDir: string): Promise<Mounts> {
  const service = compose.services[name]!
  const paths: Array<[string, string]> = []
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string]
    if (source.startsWith('./')) {
      paths.push([target, join(DEPLOY, source.slice(2))])
    } else {
      const dir = join(work, `${source}`)
      await mkdir(dir, { recursive: true })
      paths.push([target, dir])
    }
  }
  for (const target of service.tmpfs ?? []) {
    const dir = join(work, `${name}-tmpfs${target.replace(/\//g, '-')}`)
    await mkdir(dir, { recursive: true })
    paths.push([target, dir])
  }
  for (const secret of service.secrets ?? []) {
    paths.push([`/run/secrets/${secret}`, join(secretsDir, secret)])
  }
  paths.sort((a, b) => b[0].length - a[0].length)
  return { paths }
}

/** `text` with container paths replaced by local ones (in one pass, at path boundaries) and service host names by their addresses. */
export function localize (text: string, mounts: Mounts, hosts: Record<string, string>): string {
  let out = text
  if (mounts.paths.length > 0) {
    const escaped = mounts.paths.map(([container]) => container.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    const local = new Map(mounts.paths)
    out = out.replace(new RegExp(`(^|[=,\\s])(${escaped.join('|')})(?=/|$|[,\\s])`, 'g'), (_, before: string, container: string) => before + local.get(container)!)
  }
  for (const [host, address] of Object.entries(hosts)) {
    out = out.replace(new RegExp(`//${host}:`, 'g'), `//${address}:`)
  }
  return out
}

/** A service's command line and environment, as its container would run it, on this machine. */
export async function processOf (compose: ComposeFile, name: string, options: { env: Record<string, string>, work: string, secretsDir: string, hosts: Record<string, string> }): Promise<{ argv: string[], env: Record<string, string> }> {
  const service = compose.services[name]!
  const mounts = await mountsOf(compose, name, options.work, options.secretsDir)
  const argv = [...(service.entrypoint ?? []), ...(service.command ?? [])].map(a => localize(a, mounts, options.hosts))
  const env: Record<string, string> = {}
  const files = typeof service.env_file === 'string' ? [service.env_file] : service.env_file ?? []
  for (const file of files) Object.assign(env, file === '.env' ? options.env : parseEnvFile(await readFile(join(DEPLOY, file), 'utf8')))
  for (const [k, v] of Object.entries(service.environment ?? {})) env[k] = localize(String(v ?? ''), mounts, options.hosts)
  return { argv, env }
}

/** Starts a service's process (`node` runs as this Node) in `cwd`, which stands for the image's working directory. */
export function startService (name: string, argv: string[], env: Record<string, string>, cwd: string = DEPLOY): Server {
  const [command, ...args] = argv
  const executable = command === 'node' ? process.execPath : command!
  // the lab's process starter has no working directory option: sh changes to it and execs the command
  return startServer(name, 'sh', ['-c', 'cd "$0" && exec "$@"', cwd, executable, ...args], env)
}

/** Published UDP/TCP ports of a service: `host:container[/proto]`. */
export function publishedPorts (service: ComposeService): Array<{ host: number, container: number, proto: 'tcp' | 'udp' }> {
  return (service.ports ?? []).map(p => {
    const [spec, proto] = p.split('/') as [string, string | undefined]
    const parts = spec.split(':')
    return { host: Number(parts.at(-2)), container: Number(parts.at(-1)), proto: proto === 'udp' ? 'udp' : 'tcp' }
  })
}

/** The namespace's network as Docker's would be: a "public" address and one address per service, with DNAT for published ports. */
export class DeployNetwork {
  private readonly rules: string[][] = []
  private constructor (readonly publicAddress: string) {}

  static async create (publicAddress: string, serviceAddresses: string[]): Promise<DeployNetwork> {
    if (process.env.PEERLINK_ISOLATED !== '1') throw new Error('the deployment test changes its network namespace: run it under scripts/isolated')
    const net = new DeployNetwork(publicAddress)
    // a veth pair (no dummy interfaces in every kernel): its addresses are local, on an interface Chromium gathers ICE candidates on
    await run('ip', ['link', 'add', 'pl-deploy', 'type', 'veth', 'peer', 'name', 'pl-deploy-peer'])
    for (const a of [publicAddress, ...serviceAddresses]) await run('ip', ['addr', 'add', `${a}/32`, 'dev', 'pl-deploy'])
    await run('ip', ['link', 'set', 'pl-deploy-peer', 'up'])
    await run('ip', ['link', 'set', 'pl-deploy', 'up'])
    return net
  }

  /** Sends what reaches the public address's `port` to `address`:`containerPort`, as `docker run -p` does. */
  async publish (port: number, proto: 'tcp' | 'udp', address: string, containerPort: number): Promise<void> {
    const rule = ['-d', this.publicAddress, '-p', proto, '--dport', String(port), '-j', 'DNAT', '--to-destination', `${address}:${containerPort}`]
    await run('iptables', ['-t', 'nat', '-A', 'OUTPUT', ...rule])
    this.rules.push(rule)
  }

  async remove (): Promise<void> {
    for (const rule of this.rules.splice(0)) await run('iptables', ['-t', 'nat', '-D', 'OUTPUT', ...rule]).catch(() => {})
    await run('ip', ['link', 'del', 'pl-deploy']).catch(() => {})
  }
}

export async function writeSecret (dir: string, name: string, value: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(join(dir, name), `${value}\n`, { mode: 0o644 })
}
