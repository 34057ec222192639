/**
 * A small internet inside the test's own network namespace (which has only
 * loopback: `scripts/isolated`). The test's namespace is the public segment:
 * a bridge holding 198.51.100.0/24 (RFC 5737, documentation range) with the
 * servers' addresses. Each home network is a router namespace (its WAN side on
 * the bridge, NAT by iptables) and one or more host namespaces on a private
 * subnet behind it. Browsers run in the host namespaces.
 *
 * Namespaces are held by `unshare --net` processes and entered with
 * `nsenter --net=/proc/<pid>/ns/net`: no /run/netns, so no private mount
 * namespace is needed, and a namespace dies with its holder. A holder waits on
 * its stdin, a pipe from this process: teardown kills it, and if this process
 * dies however it dies, the pipe closes and the holder exits.
 *
 * The lab changes the network of the namespace it runs in, so it refuses to
 * run outside `scripts/isolated` (PEERLINK_ISOLATED=1).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readlink } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** How a home router treats traffic (docs/networks.md, "The network lab"). */
export type NatKind =
  /** endpoint-independent mapping (port-restricted cone): MASQUERADE, and unsolicited new packets to the router dropped */
  | 'cone'
  /** a new random port per destination: MASQUERADE --random-fully */
  | 'symmetric'
  /** a cone NAT that forwards no UDP at all (a corporate firewall): only TCP leaves */
  | 'udp-blocked'
  /**
   * an office that lets web traffic out and nothing else: a cone NAT forwarding only TCP to the
   * endpoints in `HomeSpec.allowTcp` (the app's and the relays' https/wss ports); no UDP at all, no TCP
   * to the TURN server, so neither direct WebRTC nor TURN can connect, only the relays' circuits
   */
  | 'web-only'

export const PUBLIC_PREFIX = '198.51.100'
export const PUBLIC_BRIDGE = 'plbr0'
/** The test's own address on the public segment (the bridge). */
export const PUBLIC_GATEWAY = `${PUBLIC_PREFIX}.1`

export interface HomeSpec {
  name: string
  nat: NatKind
  /** Host namespaces behind the router (names). */
  hosts: string[]
  /** For `web-only`: the only TCP endpoints (`address:port`) the router forwards to. */
  allowTcp?: string[]
}

export interface Host {
  name: string
  home: string
  /** Private address on the home LAN. */
  address: string
  /** PID of the process holding its network namespace (for `nsenter --net=/proc/<pid>/ns/net`). */
  pid: number
}

export interface Home {
  name: string
  nat: NatKind
  /** The router's address on the public segment (the NAT's public address). */
  wanAddress: string
  routerPid: number
  hosts: Host[]
}

export class NetLab {
  readonly homes = new Map<string, Home>()
  readonly hosts = new Map<string, Host>()
  readonly #holders: ChildProcess[] = []
  readonly #publicAddresses: string[] = []
  #bridgeUp = false

  /**
   * Builds the public bridge with `serverAddresses` (last octets) and the homes.
   * Homes get 192.168.<n>.0/24 (router .1, hosts .2, .3, …) and the public address 198.51.100.<100 + n>.
   */
  async up (serverOctets: number[], homes: HomeSpec[]): Promise<void> {
    if (process.env.PEERLINK_ISOLATED !== '1') {
      throw new Error('the NAT lab builds networks in the namespace it runs in: run it inside scripts/isolated')
    }
    await sh('ip', 'link', 'set', 'lo', 'up')
    await sh('ip', 'link', 'add', PUBLIC_BRIDGE, 'type', 'bridge')
    this.#bridgeUp = true
    await sh('ip', 'addr', 'add', `${PUBLIC_GATEWAY}/24`, 'dev', PUBLIC_BRIDGE)
    for (const octet of serverOctets) {
      const address = `${PUBLIC_PREFIX}.${octet}`
      await sh('ip', 'addr', 'add', `${address}/32`, 'dev', PUBLIC_BRIDGE)
      this.#publicAddresses.push(address)
    }
    await sh('ip', 'link', 'set', PUBLIC_BRIDGE, 'up')
    let n = 0
    for (const spec of homes) {
      n++
      await this.#addHome(n, spec)
    }
  }

  async #addHome (n: number, spec: HomeSpec): Promise<void> {
    const routerPid = await this.#holder()
    const r = (...args: string[]): Promise<string> => sh('nsenter', `--net=/proc/${routerPid}/ns/net`, ...args)
    const wanAddress = `${PUBLIC_PREFIX}.${100 + n}`
    // WAN: a veth from the bridge into the router
    const port = `plw${n}`
    await sh('ip', 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'wan0', 'netns', String(routerPid))
    await sh('ip', 'link', 'set', port, 'master', PUBLIC_BRIDGE)
    await sh('ip', 'link', 'set', port, 'up')
    await r('ip', 'link', 'set', 'lo', 'up')
    await r('ip', 'addr', 'add', `${wanAddress}/24`, 'dev', 'wan0')
    await r('ip', 'link', 'set', 'wan0', 'up')
    // LAN: a bridge in the router, one veth per host
    await r('ip', 'link', 'add', 'lan0', 'type', 'bridge')
    await r('ip', 'addr', 'add', `192.168.${n}.1/24`, 'dev', 'lan0')
    await r('ip', 'link', 'set', 'lan0', 'up')
    const hosts: Host[] = []
    let i = 0
    for (const name of spec.hosts) {
      i++
      const pid = await this.#holder()
      const address = `192.168.${n}.${1 + i}`
      const h = (...args: string[]): Promise<string> => sh('nsenter', `--net=/proc/${pid}/ns/net`, ...args)
      await r('ip', 'link', 'add', `lan${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid))
      await r('ip', 'link', 'set', `lan${i}`, 'master', 'lan0')
      await r('ip', 'link', 'set', `lan${i}`, 'up')
      await h('ip', 'link', 'set', 'lo', 'up')
      await h('ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0')
      await h('ip', 'link', 'set', 'eth0', 'up')
      await h('ip', 'route', 'add', 'default', 'via', `192.168.${n}.1`)
      const host = { name, home: spec.name, address, pid }
      hosts.push(host)
      this.hosts.set(name, host)
    }
    await r('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1')
    // Unsolicited new packets to the router are dropped before conntrack confirms them: otherwise a
    // peer's early hole-punching packet creates a conntrack entry for that 4-tuple, and the router's
    // own later outgoing packet gets a different source port (Linux NAT then behaves as symmetric).
    await r('iptables', '-A', 'INPUT', '-i', 'wan0', '-m', 'conntrack', '--ctstate', 'NEW', '-j', 'DROP')
    const masquerade = ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan0', '-j', 'MASQUERADE']
    if (spec.nat === 'symmetric') await r(...masquerade, '--random-fully')
    else await r(...masquerade)
    if (spec.nat === 'udp-blocked') await r('iptables', '-A', 'FORWARD', '-p', 'udp', '-j', 'DROP')
    if (spec.nat === 'web-only') {
      if (spec.allowTcp == null || spec.allowTcp.length === 0) throw new Error(`web-only home ${spec.name} needs the endpoints it allows (allowTcp)`)
      // answers to what was let out; new TCP connections to the allowed endpoints; nothing else leaves the LAN
      await r('iptables', '-A', 'FORWARD', '-i', 'lan0', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
      for (const endpoint of spec.allowTcp) {
        const [address, port] = endpoint.split(':')
        if (address == null || port == null || address === '' || port === '') throw new Error(`not an address:port: ${endpoint}`)
        await r('iptables', '-A', 'FORWARD', '-i', 'lan0', '-p', 'tcp', '-d', address, '--dport', port, '-j', 'ACCEPT')
      }
      await r('iptables', '-A', 'FORWARD', '-i', 'lan0', '-j', 'DROP')
    }
    this.homes.set(spec.name, { name: spec.name, nat: spec.nat, wanAddress, routerPid, hosts })
  }

  /** Runs a command in a host's (or router's, by pid) network namespace. */
  async exec (pid: number, ...args: string[]): Promise<string> {
    return sh('nsenter', `--net=/proc/${pid}/ns/net`, ...args)
  }

  host (name: string): Host {
    const host = this.hosts.get(name)
    if (host == null) throw new Error(`no lab host ${name}`)
    return host
  }

  /** A process holding a fresh network namespace; resolves once it is in it. */
  async #holder (): Promise<number> {
    // `read` returns at end of input: the holder exits when this process closes the pipe or dies
    const child = spawn('unshare', ['--net', 'sh', '-c', 'read _'], { stdio: ['pipe', 'ignore', 'ignore'] })
    this.#holders.push(child)
    const pid = child.pid
    if (pid == null) throw new Error('could not start unshare')
    const ours = await readlink('/proc/self/ns/net')
    // unshare enters the namespace, then execs sh: wait until the process is in its own namespace
    for (let tries = 0; ; tries++) {
      if (child.exitCode != null) throw new Error(`unshare --net exited with ${child.exitCode}`)
      const ns = await readlink(`/proc/${pid}/ns/net`).catch(() => ours)
      if (ns !== ours) return pid
      if (tries > 500) throw new Error('unshare --net did not enter a new namespace')
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }

  /** Kills the holders at once (their namespaces go with them), synchronously, for process exit hooks. */
  killNow (): void {
    for (const child of this.#holders) child.kill('SIGKILL')
    this.#holders.length = 0
  }

  /** Removes everything: the holders (their namespaces go with them) and the bridge. */
  async down (): Promise<void> {
    this.killNow()
    if (this.#bridgeUp) {
      await sh('ip', 'link', 'del', PUBLIC_BRIDGE).catch(() => {})
      this.#bridgeUp = false
    }
    this.homes.clear()
    this.hosts.clear()
  }
}

async function sh (cmd: string, ...args: string[]): Promise<string> {
  try {
    return (await run(cmd, args)).stdout
  } catch (err) {
    const e = err as Error & { stderr?: string }
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() ?? e.message}`, { cause: err })
  }
}
