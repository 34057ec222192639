/**
 * The relay with TLS (`--tls-cert`/`--tls-key`: https side port, `/tls/ws`,
 * renewed on SIGHUP) and advertising ICE servers in /relay.json (STUN, and
 * TURN with coturn shared-secret credentials). Clients trust the test CA
 * explicitly: in this process with the `ca` option, in the stock libp2p
 * client's process with NODE_EXTRA_CA_CERTS; verification is never off.
 */
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { get as httpsGet } from 'node:https'
import { get as httpGet } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { createPeer, loadOrCreateIdentity, MemoryKeyStore, parseRelayList, type Peerlink, type PeerInit } from '@peerlink/core'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { makeCa, makeCert, type TestCa, type TestCert } from './support/certs.js'
import { freePort, runRelay, startRelay, type RelayProcess } from './support/relay-process.js'

const TLS_DIAL = fileURLToPath(new URL('./support/tls-dial.mjs', import.meta.url))

let dir: string
let ca: TestCa
let cert: TestCert
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'peerlink-relay-tls-'))
  ca = await makeCa(dir)
  cert = await makeCert(ca, dir)
})

let relays: RelayProcess[] = []
afterEach(async () => {
  await Promise.all(relays.map(async r => r.stop()))
  relays = []
})
const relay = async (args: string[], env?: NodeJS.ProcessEnv): Promise<RelayProcess> => {
  const r = await startRelay(args, { env })
  relays.push(r)
  return r
}

/** One entry of the info document's `iceServers`. */
interface IceServer { urls: string | string[], username: string, credential: string }

/** The relay's info document as these tests read it (fields absent from an answer that is not JSON). */
interface InfoBody { peerId?: string, multiaddrs?: string[], iceServersTtl?: number, iceServers: IceServer[] }

/** GET over https trusting only the test CA (or plain http). */
async function getJson (url: string, options: { ca?: Buffer } = {}): Promise<{ status: number, body: InfoBody, text: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      let text = ''
      res.setEncoding('utf8').on('data', (s: string) => { text += s }).on('end', () => {
        let body: InfoBody
        try { body = JSON.parse(text) as InfoBody } catch { body = { iceServers: [] } }
        resolve({ status: res.statusCode ?? 0, body, text })
      })
    }
    const req = url.startsWith('https:') ? httpsGet(url, { ca: options.ca }, onResponse) : httpGet(url, onResponse)
    req.on('error', reject)
  })
}

/** The serial number of the certificate a TLS server on 127.0.0.1:`port` presents to a new connection. */
async function servedSerial (port: number, servername = 'localhost'): Promise<string> {
  const caPem = await readFile(ca.cert)
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca: caPem }, () => {
      const serial = socket.getPeerCertificate().serialNumber
      socket.destroy()
      resolve(serial.toUpperCase())
    })
    socket.on('error', reject)
  })
}

/** Runs the stock libp2p client (tls-dial.mjs) against `addr`, trusting `caFile` through NODE_EXTRA_CA_CERTS if given. */
async function stockDial (addr: string, caFile?: string): Promise<{ ok: boolean, rtt?: number, error?: string, cause?: string, remoteAddr?: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_EXTRA_CA_CERTS
  if (caFile != null) env.NODE_EXTRA_CA_CERTS = caFile
  const child = spawn(process.execPath, [TLS_DIAL, addr], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { err += s })
  await new Promise(resolve => child.once('exit', resolve))
  const line = out.split('\n').find(l => l.startsWith('{'))
  if (line == null) throw new Error(`tls-dial printed no result: ${out} ${err}`)
  return JSON.parse(line)
}

const wsPortOf = (r: RelayProcess): number => Number(/\/tcp\/(\d+)\/tls\/ws\//.exec(r.addr('ws'))?.[1])
const httpPortOf = (r: RelayProcess): number => Number(new URL(r.http).port)

describe('relay TLS', () => {
  it('serves https /relay.json and /tls/ws; a stock libp2p client dials it trusting the test CA, and not without it', async () => {
    const r = await relay(['--tls-cert', cert.cert, '--tls-key', cert.key])
    expect(r.http).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const ws = r.addr('ws')
    expect(ws).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/tls\/ws\/p2p\//)

    const caPem = await readFile(ca.cert)
    const info = await getJson(r.infoUrl.replace('127.0.0.1', 'localhost'), { ca: caPem })
    expect(info.status).toBe(200)
    expect(info.body.peerId).toBe(r.peerId)
    expect(info.body.multiaddrs).toContain(ws)
    // plain http on the https port is not answered
    await expect(getJson(r.infoUrl.replace('https:', 'http:'))).rejects.toThrow()
    // https not trusting the CA is refused by the client
    await expect(getJson(r.infoUrl)).rejects.toThrow(/self-signed|unable to verify|certificate/i)

    const port = wsPortOf(r)
    const dnsAddr = `/dns4/localhost/tcp/${port}/tls/ws/p2p/${r.peerId}`
    const trusted = await stockDial(dnsAddr, ca.cert)
    expect(trusted, JSON.stringify(trusted)).toMatchObject({ ok: true })
    expect(trusted.remoteAddr).toContain('/tls/ws')
    // the same dial without the CA fails certificate verification: TLS is really checked
    const untrusted = await stockDial(dnsAddr)
    expect(untrusted.ok).toBe(false)
  })

  it('SIGHUP swaps the certificate for new connections on the WebSockets and https ports; a bad renewal keeps the current one', async () => {
    const certFile = join(dir, 'live.pem')
    const keyFile = join(dir, 'live.key')
    await copyFile(cert.cert, certFile)
    await copyFile(cert.key, keyFile)
    const r = await relay(['--tls-cert', certFile, '--tls-key', keyFile])
    const wsPort = wsPortOf(r)
    const httpPort = httpPortOf(r)
    expect(await servedSerial(wsPort)).toBe(cert.serial)
    expect(await servedSerial(httpPort)).toBe(cert.serial)
    // also without SNI (a client dialing the IP address): the default context is swapped too
    expect(await servedSerial(wsPort, '')).toBe(cert.serial)

    const renewed = await makeCert(ca, dir, { name: 'renewed' })
    expect(renewed.serial).not.toBe(cert.serial)
    await copyFile(renewed.cert, certFile)
    await copyFile(renewed.key, keyFile)
    const reloaded = waitForOutput(r, /certificate reloaded \(serial ([0-9A-F]+)/)
    r.process.kill('SIGHUP')
    expect((await reloaded)[1]).toBe(renewed.serial)
    expect(await servedSerial(wsPort)).toBe(renewed.serial)
    expect(await servedSerial(httpPort)).toBe(renewed.serial)
    expect(await servedSerial(wsPort, '')).toBe(renewed.serial)
    // a libp2p connection over the renewed certificate
    const dialed = await stockDial(`/dns4/localhost/tcp/${wsPort}/tls/ws/p2p/${r.peerId}`, ca.cert)
    expect(dialed, JSON.stringify(dialed)).toMatchObject({ ok: true })

    // a renewal gone wrong (half-written file): the relay says so and keeps serving the renewed certificate
    await writeFile(certFile, '-----BEGIN CERTIFICATE-----\nnot base64\n')
    const refused = waitForOutput(r, /SIGHUP: (.*); keeping the current certificate/)
    r.process.kill('SIGHUP')
    expect((await refused)[1]).toMatch(/^--tls-cert .*live\.pem: not a PEM certificate$/)
    expect(await servedSerial(wsPort)).toBe(renewed.serial)
    expect(r.process.exitCode).toBeNull()
  })

  it('--announce /dns4/<name>/tcp/<port>/tls/ws is served in /relay.json and dialable', async () => {
    const port = await freePort()
    const announce = `/dns4/localhost/tcp/${port}/tls/ws`
    const r = await relay(['--tls-cert', cert.cert, '--tls-key', cert.key, '--ws-port', String(port), '--announce', announce])
    expect(r.multiaddrs).toContain(`${announce}/p2p/${r.peerId}`)
    const info = await getJson(r.infoUrl, { ca: await readFile(ca.cert) })
    expect(info.body.multiaddrs).toEqual(r.multiaddrs)
    const dialed = await stockDial(`${announce}/p2p/${r.peerId}`, ca.cert)
    expect(dialed, JSON.stringify(dialed)).toMatchObject({ ok: true })
  })
})

describe('relay ICE servers in /relay.json', () => {
  const SECRET = 'test-turn-secret-5f1c0a9e'

  it('none by default: /relay.json has no ICE fields', async () => {
    const r = await relay([])
    const info = await getJson(r.infoUrl)
    expect(Object.keys(info.body).sort()).toEqual(['multiaddrs', 'peerId'])
  })

  it('STUN and TURN URLs, TURN credentials that verify with HMAC-SHA1 and expire after --turn-ttl; the secret is in no output, metric or argv', async () => {
    const stun = 'stun:198.51.100.1:3478'
    const turns = ['turn:198.51.100.1:3478?transport=udp', 'turn:198.51.100.1:3478?transport=tcp']
    const r = await relay(['--stun-url', stun, '--turn-url', turns[0] ?? '', '--turn-url', turns[1] ?? '', '--turn-ttl', '120000'],
      { PEERLINK_TURN_SECRET: SECRET, DEBUG: '*' })
    const before = Math.floor(Date.now() / 1000)
    const first = await getJson(r.infoUrl)
    const second = await getJson(r.infoUrl)
    const after = Math.floor(Date.now() / 1000)
    for (const { body } of [first, second]) {
      expect(body.iceServersTtl).toBe(120)
      expect(body.iceServers).toHaveLength(2)
      expect(body.iceServers[0]).toEqual({ urls: [stun] })
      const turn = body.iceServers[1] as IceServer
      expect(turn.urls).toEqual(turns)
      const [expiry, name] = String(turn.username).split(':')
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + 120)
      expect(Number(expiry)).toBeLessThanOrEqual(after + 120)
      expect(name).toMatch(/^[A-Za-z0-9_-]{8,}$/)
      expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username).digest('base64'))
      // and not made with another secret
      expect(turn.credential).not.toBe(createHmac('sha1', `${SECRET}x`).update(turn.username).digest('base64'))
    }
    // a fresh credential per request
    expect(first.body.iceServers[1]?.username).not.toBe(second.body.iceServers[1]?.username)

    const metrics = await getJson(`${r.http}/metrics`)
    const healthz = await getJson(`${r.http}/healthz`)
    const cmdline = await readFile(`/proc/${r.process.pid}/cmdline`, 'utf8')
    // DEBUG=* logs went to stderr, captured in output()
    expect(r.output().length).toBeGreaterThan(1000)
    for (const text of [r.output(), metrics.text, healthz.text, cmdline]) {
      expect(text.includes(SECRET)).toBe(false)
    }
    // nor a credential: /relay.json is the only place they appear
    expect(r.output().includes((first.body.iceServers[1] as IceServer).credential)).toBe(false)
  })

  it('a Peerlink peer takes the relay\'s ICE servers (fresh credentials for WebRTC and calls); the user\'s own win; a relay advertising none gives none', async () => {
    const advertising = await relay(['--stun-url', 'stun:198.51.100.1:3478', '--turn-url', 'turn:198.51.100.1:3478?transport=udp'], { PEERLINK_TURN_SECRET: SECRET })
    const silent = await relay([])
    const peers: Peerlink[] = []
    try {
      const peer = async (infoUrl: string, iceServers?: PeerInit['iceServers']): Promise<Peerlink> => {
        const p = await createPeer({ privateKey: await loadOrCreateIdentity(new MemoryKeyStore()), relays: parseRelayList(infoUrl).relays, webrtc: false, ...(iceServers != null ? { iceServers } : {}) })
        peers.push(p)
        // the relay keeper fetched /relay.json once it connected
        await new Promise<void>(resolve => {
          if (p.relays()[0]?.state === 'connected' || p.relays()[0]?.state === 'reserved') resolve()
          else p.addEventListener('relay:connected', () => { resolve() }, { once: true })
        })
        return p
      }
      const withIce = await peer(advertising.infoUrl)
      const servers = await withIce.iceServers()
      expect(servers[0]).toEqual({ urls: ['stun:198.51.100.1:3478'] })
      const turn = servers[1]
      expect(turn?.urls).toEqual(['turn:198.51.100.1:3478?transport=udp'])
      expect(turn?.credential).toBe(createHmac('sha1', SECRET).update(String(turn?.username)).digest('base64'))

      const own = [{ urls: 'stun:192.0.2.7:3478' }]
      const withOwn = await peer(advertising.infoUrl, own)
      expect(await withOwn.iceServers()).toEqual(own)

      const withoutIce = await peer(silent.infoUrl)
      expect(await withoutIce.iceServers()).toEqual([])
    } finally {
      await Promise.all(peers.map(async p => p.stop()))
    }
  })

  it('reads the secret from --turn-secret-file', async () => {
    const file = join(dir, 'turn-secret')
    await writeFile(file, `${SECRET}\n`, { mode: 0o600 })
    const r = await relay(['--turn-url', 'turns:turn.example.org:5349', '--turn-secret-file', file])
    const { body } = await getJson(r.infoUrl)
    expect(body.iceServers).toHaveLength(1)
    const turn = body.iceServers[0] as IceServer
    expect(turn.credential).toBe(createHmac('sha1', SECRET).update(turn.username).digest('base64'))
    // the default lifetime, one hour
    expect(body.iceServersTtl).toBe(3600)
  })
})

describe('relay TLS and ICE settings: bad input exits with status 2 and one line naming the setting', () => {
  const expectExit2 = async (args: string[], message: RegExp, env: NodeJS.ProcessEnv = {}): Promise<void> => {
    const dataDir = await mkdtemp(join(tmpdir(), 'peerlink-relay-bad-'))
    const { code, stderr, stdout } = await runRelay(['--host', '127.0.0.1', '--ws-port', '0', '--webrtc-port', '0', '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir, ...args], env)
    expect(stderr.trim().split('\n'), stderr).toHaveLength(1)
    expect(stderr).toMatch(message)
    expect(code).toBe(2)
    expect(stdout).toBe('')
  }

  it('an unreadable --tls-cert', async () => {
    await expectExit2(['--tls-cert', join(dir, 'missing.pem'), '--tls-key', cert.key], /^peerlink-relay: --tls-cert \S+missing\.pem: cannot read \(ENOENT\)$/m)
  })

  it('a --tls-key that is not a key', async () => {
    await expectExit2(['--tls-cert', cert.cert, '--tls-key', cert.cert], /^peerlink-relay: --tls-key \S+server\.pem: not a PEM private key$/m)
  })

  it('a --tls-key of another certificate', async () => {
    const other = await makeCert(ca, dir, { name: 'other' })
    await expectExit2(['--tls-cert', cert.cert, '--tls-key', other.key], /^peerlink-relay: --tls-key \S+other\.key: not the private key of the certificate in --tls-cert \S+server\.pem$/m)
  })

  it('--tls-cert without --tls-key', async () => {
    await expectExit2(['--tls-cert', cert.cert], /^peerlink-relay: --tls-cert needs --tls-key/m)
  })

  it('--announce of plain /ws with TLS on, and of a name the certificate does not cover', async () => {
    await expectExit2(['--tls-cert', cert.cert, '--tls-key', cert.key, '--announce', '/dns4/localhost/tcp/443/ws'], /^peerlink-relay: --announce \/dns4\/localhost\/tcp\/443\/ws: is plain \/ws/m)
    await expectExit2(['--tls-cert', cert.cert, '--tls-key', cert.key, '--announce', '/dns4/relay.example.org/tcp/443/tls/ws'], /^peerlink-relay: --announce \/dns4\/relay\.example\.org\/tcp\/443\/tls\/ws: the certificate in --tls-cert is not valid for relay\.example\.org/m)
  })

  it('a TURN secret without a TURN URL, from the env var; the secret is not echoed', async () => {
    const { stderr } = await runRelay(['--data-dir', await mkdtemp(join(tmpdir(), 'peerlink-relay-bad-'))], { PEERLINK_TURN_SECRET: 'do-not-echo-me' })
    expect(stderr).toMatch(/^peerlink-relay: PEERLINK_TURN_SECRET is set but no --turn-url is/m)
    expect(stderr).not.toContain('do-not-echo-me')
    await expectExit2(['--turn-secret', 'do-not-echo-me'], /^peerlink-relay: --turn-secret is set but no --turn-url is/m)
  })

  it('a --turn-url without a secret, a missing --turn-secret-file', async () => {
    await expectExit2(['--turn-url', 'turn:198.51.100.1:3478'], /^peerlink-relay: --turn-url needs a TURN secret/m)
    await expectExit2(['--turn-url', 'turn:198.51.100.1:3478', '--turn-secret-file', join(dir, 'nope')], /^peerlink-relay: --turn-secret-file \S+nope: cannot read \(ENOENT\)/m)
  })

  it.each([
    [['--stun-url', 'http://198.51.100.1:3478'], /^peerlink-relay: --stun-url must be stun:<host>\[:<port>\]/m],
    [['--stun-url', 'turn:198.51.100.1'], /^peerlink-relay: --stun-url must be stun:/m],
    [['--turn-url', 'turn:', '--turn-secret', 's'], /^peerlink-relay: --turn-url must be turn:<host>/m],
    [['--turn-url', 'turn:198.51.100.1:3478?transport=sctp', '--turn-secret', 's'], /^peerlink-relay: --turn-url must be turn:/m],
    [['--turn-url', 'turn:198.51.100.1:99999', '--turn-secret', 's'], /^peerlink-relay: --turn-url must be turn:/m],
    [['--turn-url', 'turn:198.51.100.1', '--turn-secret', 's', '--turn-ttl', '1000'], /^peerlink-relay: --turn-ttl must be at least 60000/m]
  ])('%j', async (args, message) => {
    await expectExit2(args, message)
  })
})

/** Resolves with the match once the relay prints a line matching `pattern`. */
async function waitForOutput (r: RelayProcess, pattern: RegExp): Promise<RegExpExecArray> {
  const seen = r.output().length
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(r.output().slice(seen))
      if (match == null) return
      r.process.stdout?.off('data', check)
      r.process.stderr?.off('data', check)
      resolve(match)
    }
    r.process.stdout?.on('data', check)
    r.process.stderr?.on('data', check)
    r.process.once('exit', () => { reject(new Error(`relay exited before printing ${String(pattern)}:\n${r.output()}`)) })
  })
}

