/**
 * The whole NAT lab: the networks (netlab.ts), a test CA with certificates for
 * the public servers, coturn, the app over https (Caddy) and two relays with
 * their own TLS (wss, https /relay.json) that advertise coturn in /relay.json
 * with short-lived credentials. One lab serves every pair of the lab spec.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeCa, makeCert } from '../../relay/test/support/certs.js'
import { NetLab, PUBLIC_PREFIX, type HomeSpec } from './netlab.js'
import { killAllNow, startCaddy, startCoturn, startLabRelay, stopAll, type LabRelay, type Turn } from './servers.js'

export const WEB_ADDRESS = `${PUBLIC_PREFIX}.10`
export const RELAY_ADDRESSES = [`${PUBLIC_PREFIX}.21`, `${PUBLIC_PREFIX}.22`]
export const TURN_ADDRESS = `${PUBLIC_PREFIX}.30`
/**
 * The TCP endpoints a browser needs and nothing more: the app over https, and each relay's wss (9001)
 * and https /relay.json (9090) ports (startLabRelay's). A `web-only` home lets out only these.
 */
export const WEB_ENDPOINTS = [`${WEB_ADDRESS}:443`, ...RELAY_ADDRESSES.flatMap(address => [`${address}:9001`, `${address}:9090`])]

/** The homes the lab's pairs use: one host per NAT kind twice over, and one LAN holding two hosts. */
export const LAB_HOMES: HomeSpec[] = [
  { name: 'cone-1', nat: 'cone', hosts: ['cone-1'] },
  { name: 'cone-2', nat: 'cone', hosts: ['cone-2'] },
  { name: 'symmetric-1', nat: 'symmetric', hosts: ['symmetric-1'] },
  { name: 'symmetric-2', nat: 'symmetric', hosts: ['symmetric-2'] },
  { name: 'udp-blocked', nat: 'udp-blocked', hosts: ['udp-blocked'] },
  { name: 'lan', nat: 'cone', hosts: ['lan-a', 'lan-b'] }
]

export interface Lab {
  net: NetLab
  /** https origin of the app. */
  origin: string
  relays: LabRelay[]
  turn: Turn
  /** SPKI hashes of the servers' certificates (what Chromium trusts). */
  spki: string[]
  dir: string
  down(): Promise<void>
}

/** Builds the lab with these home networks. Tears down whatever it built if a step fails. */
export async function startLab (homes: HomeSpec[]): Promise<Lab> {
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-lab-'))
  const net = new NetLab()
  // however the test process ends, its servers and namespace holders go with it
  const onExit = (): void => { killAllNow(); net.killNow() }
  process.once('exit', onExit)
  const down = async (): Promise<void> => {
    await stopAll()
    await net.down()
    process.off('exit', onExit)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await net.up([10, 21, 22, 30], homes)
    const ca = await makeCa(dir, 'lab-ca')
    const webCert = await makeCert(ca, dir, { name: 'web', dnsNames: [], ips: [WEB_ADDRESS] })
    const relayCerts = []
    for (const [i, address] of RELAY_ADDRESSES.entries()) relayCerts.push(await makeCert(ca, dir, { name: `relay${i + 1}`, dnsNames: [], ips: [address] }))

    const turnDir = join(dir, 'turn')
    await mkdir(turnDir)
    const secret = randomBytes(16).toString('hex')
    const secretFile = join(turnDir, 'secret')
    await writeFile(secretFile, `${secret}\n`, { mode: 0o600 })
    const turn = await startCoturn(TURN_ADDRESS, secret, turnDir)

    // Relays with their own TLS: wss (/tls/ws) and https /relay.json, which advertises coturn
    const ice = ['--stun-url', `stun:${TURN_ADDRESS}:3478`,
      '--turn-url', `turn:${TURN_ADDRESS}:3478?transport=udp,turn:${TURN_ADDRESS}:3478?transport=tcp`, '--turn-secret-file', secretFile]
    const relays: LabRelay[] = []
    for (const [i, address] of RELAY_ADDRESSES.entries()) {
      const relayDir = join(dir, `relay${i + 1}`)
      const bootstrap = relays[0] != null ? ['--bootstrap', `/ip4/${relays[0].address}/tcp/9003/p2p/${relays[0].peerId}`] : []
      const tls = ['--tls-cert', relayCerts[i]!.cert, '--tls-key', relayCerts[i]!.key]
      relays.push(await startLabRelay(`relay${i + 1}`, address, relayDir, [...tls, ...ice, ...bootstrap], `https://${address}:9090/relay.json`))
    }
    const caddyDir = join(dir, 'caddy')
    await mkdir(caddyDir)
    await startCaddy(WEB_ADDRESS, { certPath: webCert.cert, keyPath: webCert.key }, caddyDir)
    const certs = [webCert, ...relayCerts]
    return {
      net,
      origin: `https://${WEB_ADDRESS}`,
      relays,
      turn,
      spki: await Promise.all(certs.map(async c => spkiHash(await readFile(c.cert, 'utf8')))),
      dir,
      down
    }
  } catch (err) {
    await down()
    throw err
  }
}

/** base64 SHA-256 of a PEM certificate's SubjectPublicKeyInfo, as Chromium's --ignore-certificate-errors-spki-list takes it. */
export function spkiHash (pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })
  return createHash('sha256').update(spki).digest('base64')
}
