/**
 * The whole NAT lab: the networks (netlab.ts), a test CA with certificates for
 * the public servers, coturn, the app over https (Caddy) and two relays
 * reached over wss. One lab serves every pair of the lab spec.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCa, type Leaf } from './certs.js'
import { NetLab, PUBLIC_PREFIX, type HomeSpec } from './netlab.js'
import { killAllNow, startCaddy, startCoturn, startLabRelay, stopAll, type LabRelay, type Turn } from './servers.js'

export const WEB_ADDRESS = `${PUBLIC_PREFIX}.10`
export const RELAY_ADDRESSES = [`${PUBLIC_PREFIX}.21`, `${PUBLIC_PREFIX}.22`]
export const TURN_ADDRESS = `${PUBLIC_PREFIX}.30`

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
  const onExit = (): void => { killAllNow() }
  process.once('exit', onExit)
  const down = async (): Promise<void> => {
    await stopAll()
    await net.down()
    process.off('exit', onExit)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await net.up([10, 21, 22, 30], homes)
    const ca = await createCa(dir)
    const webCert = await ca.issue('web', [WEB_ADDRESS])
    const relayCerts: Leaf[] = []
    for (const [i, address] of RELAY_ADDRESSES.entries()) relayCerts.push(await ca.issue(`relay${i + 1}`, [address]))

    const turnDir = join(dir, 'turn')
    await mkdir(turnDir)
    const turn = await startCoturn(TURN_ADDRESS, randomBytes(16).toString('hex'), turnDir)

    // Relays: plain listeners behind Caddy, which terminates TLS for their WebSockets and relay.json
    const relays: LabRelay[] = []
    for (const [i, address] of RELAY_ADDRESSES.entries()) {
      const relayDir = join(dir, `relay${i + 1}`)
      const bootstrap = relays[0] != null ? ['--bootstrap', `/ip4/${relays[0].address}/tcp/9003/p2p/${relays[0].peerId}`] : []
      relays.push(await startLabRelay(`relay${i + 1}`, address, relayDir, ['--announce', `/ip4/${address}/tcp/443/tls/ws`, ...bootstrap], `https://${address}/relay.json`))
    }
    const proxies = relays.map((r, i) => `https://${r.address}:443 {
\tbind ${r.address}
\ttls ${relayCerts[i]!.certPath} ${relayCerts[i]!.keyPath}
\treverse_proxy /relay.json ${r.address}:9090
\treverse_proxy ${r.address}:9001
}
`).join('\n')
    const caddyDir = join(dir, 'caddy')
    await mkdir(caddyDir)
    await startCaddy(WEB_ADDRESS, webCert, caddyDir, proxies)
    return {
      net,
      origin: `https://${WEB_ADDRESS}`,
      relays,
      turn,
      spki: [webCert.spki, ...relayCerts.map(c => c.spki)],
      dir,
      down
    }
  } catch (err) {
    await down()
    throw err
  }
}
