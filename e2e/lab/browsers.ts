/**
 * Chromium inside a lab host's network namespace, trusting exactly the lab's
 * leaf certificates, and a test hook on RTCPeerConnection that records every
 * connection the page makes so the test can read which ICE candidate pair
 * carries it (getStats).
 */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { fileURLToPath } from 'node:url'
import { APP_PERMISSIONS } from '../support/app.js'
import type { Host } from './netlab.js'

const WRAPPER = fileURLToPath(new URL('./chromium-ns', import.meta.url))

export async function launchIn (host: Host, spkiHashes: string[]): Promise<Browser> {
  return chromium.launch({
    executablePath: WRAPPER,
    env: { ...process.env, PEERLINK_LAB_NETNS_PID: String(host.pid), PEERLINK_LAB_CHROMIUM: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    args: [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      // the lab's servers' certificates, and nothing else, are accepted
      `--ignore-certificate-errors-spki-list=${spkiHashes.join(',')}`
    ]
  })
}

/**
 * A context for the app at `origin` with the app's permissions (a media permission makes Chromium gather
 * host candidates with real addresses) and the RTCPeerConnection recorder (it changes nothing the app asks for).
 */
export async function labContext (browser: Browser, origin: string): Promise<BrowserContext> {
  const context = await browser.newContext()
  await context.grantPermissions(APP_PERMISSIONS, { origin })
  await context.addInitScript(() => {
    const Native = window.RTCPeerConnection
    const made: Array<{ pc: RTCPeerConnection, iceServers: RTCIceServer[] }> = []
    Object.defineProperty(window, '__labPeerConnections', { value: made })
    class Recorded extends Native {
      constructor (config?: RTCConfiguration) {
        super(config)
        made.push({ pc: this, iceServers: config?.iceServers ?? [] })
      }
    }
    Object.defineProperty(window, 'RTCPeerConnection', { value: Recorded, configurable: true, writable: true })
  })
  return context
}

export interface CandidatePath {
  /** 'host' | 'srflx' | 'prflx' | 'relay' on each end. */
  local: string
  remote: string
  localProtocol: string
  localAddress: string
  remoteAddress: string
  /** The transport to the TURN server when the local candidate is a relay one ('udp' | 'tcp'). */
  relayProtocol?: string
  /** ICE server URLs the connection was created with (from the relays' /relay.json). */
  iceServers: string[]
}

/**
 * The selected candidate pairs of the page's connected RTCPeerConnections whose remote end is not one of
 * `exclude` (relays' own WebRTC-direct addresses).
 */
export async function selectedPaths (page: Page, exclude: string[] = []): Promise<CandidatePath[]> {
  return page.evaluate(async (exclude) => {
    const made = (window as unknown as { __labPeerConnections: Array<{ pc: RTCPeerConnection, iceServers: RTCIceServer[] }> }).__labPeerConnections
    const out: CandidatePath[] = []
    for (const { pc, iceServers } of made) {
      if (pc.connectionState !== 'connected') continue
      const stats = await pc.getStats()
      let pair: Record<string, unknown> | undefined
      stats.forEach((r: Record<string, unknown>) => {
        if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') pair = stats.get(r.selectedCandidatePairId) as Record<string, unknown>
      })
      if (pair == null) continue
      const local = stats.get(pair.localCandidateId as string) as Record<string, string>
      const remote = stats.get(pair.remoteCandidateId as string) as Record<string, string>
      if (exclude.includes(remote.address ?? '')) continue
      out.push({
        local: local.candidateType ?? '',
        remote: remote.candidateType ?? '',
        localProtocol: local.protocol ?? '',
        localAddress: `${local.address}:${local.port}`,
        remoteAddress: `${remote.address}:${remote.port}`,
        ...(local.relayProtocol != null ? { relayProtocol: local.relayProtocol } : {}),
        iceServers: iceServers.flatMap(s => Array.isArray(s.urls) ? s.urls : [s.urls])
      })
    }
    return out
  }, exclude)
}
