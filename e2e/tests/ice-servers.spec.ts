/**
 * ICE servers from the relay, in Chromium: the app's libp2p WebRTC
 * connections are created with the STUN and TURN servers the relay
 * advertises in /relay.json (TURN credentials in coturn's shared-secret
 * scheme, accepted by a real coturn on 127.0.0.1: Chromium gathers a relay
 * candidate with them); with a relay advertising none, every RTCPeerConnection has no
 * ICE server at all; the user's saved ICE servers win over the relay's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '../support/test.js'
import { connectByPeerId, openApp, openView, type AppPage } from '../support/app.js'
import { freePort, startRelay } from '../../relay/test/support/relay-process.js'
import type { Browser, BrowserContext } from '@playwright/test'

const SECRET = 'e2e-turn-secret-1b7c'
const HAS_TURNSERVER = spawnSync('turnserver', ['--help'], { stdio: 'ignore' }).error == null

interface Recorded { iceServers: Array<{ urls: string | string[], username?: string, credential?: string }>, candidateTypes: string[] }

/** Records every RTCPeerConnection's ICE servers and the types of the candidates it gathered. */
async function recordPeerConnections (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const made: Recorded[] = []
    ;(window as unknown as { __pcs: Recorded[] }).__pcs = made
    const Native = window.RTCPeerConnection
    window.RTCPeerConnection = class extends Native {
      constructor (config?: RTCConfiguration) {
        super(config)
        const entry: Recorded = { iceServers: JSON.parse(JSON.stringify(config?.iceServers ?? [])), candidateTypes: [] }
        made.push(entry)
        this.addEventListener('icecandidate', evt => { if (evt.candidate?.type != null) entry.candidateTypes.push(evt.candidate.type) })
      }
    } as typeof RTCPeerConnection
  })
}

const recorded = async (app: AppPage): Promise<Recorded[]> => app.page.evaluate(() => (window as unknown as { __pcs: Recorded[] }).__pcs)

/** Two pages recording their RTCPeerConnections, both reserved on `relay`, connected over direct WebRTC. */
async function directPair (browser: Browser, relay: { infoUrl: string, peerId: string }): Promise<{ a: AppPage, b: AppPage }> {
  const a = await openApp(browser, [relay.infoUrl], 'A', undefined, '', recordPeerConnections)
  const b = await openApp(browser, [relay.infoUrl], 'B', undefined, '', recordPeerConnections)
  await a.waitReserved(relay.peerId)
  await b.waitReserved(relay.peerId)
  await connectDirect(a, b)
  return { a, b }
}

async function connectDirect (a: AppPage, b: AppPage): Promise<void> {
  await connectByPeerId(a, b)
  await openView(a.page, 'diagnostics')
  await expect(a.peerItem(b.peerId)).toHaveAttribute('data-transport', 'webrtc')
}

test.describe('ICE servers from the relay', () => {
  let turn: ChildProcess | undefined
  test.afterEach(() => { turn?.kill('SIGTERM'); turn = undefined })

  test('libp2p WebRTC uses the relay\'s STUN and TURN (credentials verify with HMAC; coturn accepts them from Chromium)', async ({ browser }) => {
    test.skip(!HAS_TURNSERVER, 'turnserver (coturn) is not installed')
    const turnPort = await freePort()
    const dir = await mkdtemp(join(tmpdir(), 'peerlink-e2e-coturn-'))
    let log = ''
    const server = turn = spawn('turnserver', ['-n', '-v', '--listening-ip=127.0.0.1', `--listening-port=${turnPort}`, '--relay-ip=127.0.0.1',
      '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=peerlink.test', '--no-cli', '--no-tls', '--no-dtls', '--allow-loopback-peers',
      '--log-file=stdout', '--min-port=49152', '--max-port=65535', `--pidfile=${join(dir, 'turn.pid')}`, `--userdb=${join(dir, 'turndb')}`], { stdio: ['ignore', 'pipe', 'pipe'] })
    await new Promise<void>((resolve, reject) => {
      const onData = (s: Buffer): void => { log += s.toString(); if (log.includes(`UDP listener opened on: 127.0.0.1:${turnPort}`)) resolve() }
      server.stdout?.on('data', onData)
      server.stderr?.on('data', onData)
      server.once('exit', code => { reject(new Error(`turnserver exited with ${String(code)}: ${log}`)) })
    })
    const stun = `stun:127.0.0.1:${turnPort}`
    const turnUrl = `turn:127.0.0.1:${turnPort}?transport=udp`
    const relay = await startRelay(['--stun-url', stun, '--turn-url', turnUrl], { env: { PEERLINK_TURN_SECRET: SECRET } })
    try {
      const { a, b } = await directPair(browser, relay)
      const pcs = [...await recorded(a), ...await recorded(b)].filter(pc => pc.iceServers.length > 0)
      expect(pcs.length, 'RTCPeerConnections created with ICE servers').toBeGreaterThan(0)
      for (const pc of pcs) {
        const urls = pc.iceServers.flatMap(s => Array.isArray(s.urls) ? s.urls : [s.urls])
        expect(urls).toEqual([stun, turnUrl])
        const withCredential = pc.iceServers.find(s => s.username != null)
        expect(withCredential?.credential).toBe(createHmac('sha1', SECRET).update(String(withCredential?.username)).digest('base64'))
        expect(Number(String(withCredential?.username).split(':')[0])).toBeGreaterThan(Date.now() / 1000)
      }
      // coturn accepts these credentials from Chromium: a connection made with the same configuration gathers a relay candidate
      // (the libp2p connections themselves connect over loopback host candidates before, and mostly without, contacting TURN here)
      const types = await a.page.evaluate(async (iceServers) => {
        const pc = new RTCPeerConnection({ iceServers: iceServers as RTCIceServer[] })
        const seen: string[] = []
        pc.createDataChannel('probe')
        const done = new Promise<void>(resolve => {
          pc.addEventListener('icecandidate', evt => {
            if (evt.candidate == null) resolve()
            else if (evt.candidate.type != null) seen.push(evt.candidate.type)
          })
        })
        await pc.setLocalDescription(await pc.createOffer())
        await done
        pc.close()
        return seen
      }, pcs[0]?.iceServers ?? [])
      expect(types, log.split('\n').filter(l => /session|alloc|401|error/i.test(l)).slice(-20).join('\n')).toContain('relay')
    } finally {
      await relay.stop()
    }
  })

  test('a relay advertising none: every RTCPeerConnection has no ICE server (no third party is contacted)', async ({ browser }) => {
    const relay = await startRelay()
    try {
      const { a, b } = await directPair(browser, relay)
      const pcs = [...await recorded(a), ...await recorded(b)]
      expect(pcs.length).toBeGreaterThan(0)
      for (const pc of pcs) {
        expect(pc.iceServers).toEqual([])
        expect(pc.candidateTypes.filter(t => t !== 'host')).toEqual([])
      }
    } finally {
      await relay.stop()
    }
  })

  test('the user\'s saved ICE servers win over the relay\'s', async ({ browser }) => {
    const relay = await startRelay(['--stun-url', 'stun:127.0.0.1:3478'])
    const own = 'stun:127.0.0.1:3479'
    try {
      const a = await openApp(browser, [relay.infoUrl], 'A', undefined, '', recordPeerConnections)
      // saved in the call settings (idb-keyval's store), then a reload starts the peer with them
      await a.page.evaluate(async (text) => {
        await new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('keyval-store')
          open.onupgradeneeded = () => { open.result.createObjectStore('keyval') }
          open.onsuccess = () => {
            const tx = open.result.transaction('keyval', 'readwrite')
            tx.objectStore('keyval').put(text, 'peerlink:ice-servers')
            tx.oncomplete = () => { open.result.close(); resolve() }
            tx.onerror = () => { reject(tx.error) }
          }
          open.onerror = () => { reject(open.error) }
        })
      }, own)
      await a.page.reload()
      await a.waitReserved(relay.peerId)
      const b = await openApp(browser, [relay.infoUrl], 'B', undefined, '', recordPeerConnections)
      await b.waitReserved(relay.peerId)
      await connectDirect(a, b)
      const atA = await recorded(a)
      expect(atA.length).toBeGreaterThan(0)
      for (const pc of atA) expect(pc.iceServers).toEqual([{ urls: own }])
      // B saved nothing: it uses the relay's
      for (const pc of await recorded(b)) expect(pc.iceServers).toEqual([{ urls: ['stun:127.0.0.1:3478'] }])
    } finally {
      await relay.stop()
    }
  })
})
