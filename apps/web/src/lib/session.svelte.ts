import { createPeer, IdbKeyStore, loadOrCreateIdentity, peerIdOf, type Peerlink, type PeerlinkEvents } from '@peerlink/core'
import { errorMessage } from './errors.ts'
import { resolveRelayConfig, type RelayConfig } from './relay-config.ts'
import type { ConnectionInfo, PeerStatus, RelayStatus } from './types.ts'

export type PrivateKey = Awaited<ReturnType<typeof loadOrCreateIdentity>>

/** `starting`/`restarting` while a peer is being created; `failed` with `error` set. */
export type SessionStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped'

const EVENTS: Array<keyof PeerlinkEvents> = [
  'relay:connecting', 'relay:connected', 'relay:reserved', 'relay:lost', 'relay:error', 'peer:connected', 'peer:lost'
]

/** How often the clock behind retry countdowns ticks. */
const CLOCK_MS = 1000

/**
 * The running Peerlink peer as reactive state: identity, relay configuration
 * and snapshots of relays and peers, refreshed on every connectivity event.
 */
export class Session {
  status = $state<SessionStatus>('starting')
  /** Why starting failed (status `failed`). */
  error = $state<string>()
  /** Our PeerId, known as soon as the identity is loaded. */
  peerId = $state<string>()
  relayConfig = $state.raw<RelayConfig>()
  relays = $state.raw<RelayStatus[]>([])
  peers = $state.raw<PeerStatus[]>([])
  addresses = $state.raw<string[]>([])
  /** Wall clock, ticking every second (for retry countdowns). */
  now = $state(Date.now())

  #key = $state.raw<PrivateKey>()
  #peer?: Peerlink
  #generation = 0
  #timer?: ReturnType<typeof setInterval>
  readonly #refresh = (): void => { this.refresh() }
  #peerWatchers: Array<(peer: Peerlink | undefined) => void> = []
  /** Direct libp2p WebRTC connections to other browsers; `?webrtc=off` keeps them relayed (tests, diagnosis). */
  #webrtc = true

  /** The identity key, once loaded. */
  get key (): PrivateKey | undefined {
    return this.#key
  }

  get busy (): boolean {
    return this.status === 'starting' || this.status === 'restarting'
  }

  /** One word for the header: reachable through a relay, still trying, or not. */
  get health (): 'starting' | 'online' | 'connecting' | 'offline' | 'failed' {
    if (this.busy) return 'starting'
    if (this.status !== 'running') return 'failed'
    if (this.relays.some(r => r.state === 'reserved')) return 'online'
    if (this.relays.some(r => r.state === 'connecting' || r.state === 'connected')) return 'connecting'
    return 'offline'
  }

  /**
   * Calls `watcher` with the running peer now and whenever it changes
   * (started, restarted with new relays, stopped: `undefined`). Returns an unsubscribe function.
   */
  watchPeer (watcher: (peer: Peerlink | undefined) => void): () => void {
    this.#peerWatchers.push(watcher)
    watcher(this.#peer)
    return () => { this.#peerWatchers = this.#peerWatchers.filter(w => w !== watcher) }
  }

  /** Loads the identity and relay configuration and starts the peer. */
  async start (href: string = location.href): Promise<void> {
    this.status = 'starting'
    this.error = undefined
    try {
      this.#key ??= await loadOrCreateIdentity(new IdbKeyStore())
      this.peerId = peerIdOf(this.#key)
      this.relayConfig = await resolveRelayConfig(href)
      this.#webrtc = !/[?&]webrtc=off(&|$)/.test(href.split('#')[0] ?? '')
    } catch (err) {
      this.#fail(err)
      return
    }
    await this.#launch(this.relayConfig)
  }

  /** Stops the running peer and starts a new one (same identity) with `config`. */
  async restart (config: RelayConfig): Promise<void> {
    if (this.#key == null) return this.start()
    this.status = 'restarting'
    this.error = undefined
    this.relayConfig = config
    await this.#stopPeer()
    await this.#launch(config)
  }

  async stop (): Promise<void> {
    this.#generation++
    await this.#stopPeer()
    this.status = 'stopped'
  }

  async connect (peerId: string, options: { signal?: AbortSignal } = {}): Promise<ConnectionInfo> {
    const info = await this.#running().connectToPeer(peerId, options)
    this.refresh()
    return info
  }

  /** Round-trip time to a connected peer, in ms. */
  async ping (peerId: string): Promise<number> {
    return this.#running().ping(peerId)
  }

  /** Re-reads the snapshots from the peer (only assigning what changed). */
  refresh (): void {
    const peer = this.#peer
    if (peer == null) return
    this.now = Date.now()
    const relays = peer.relays()
    const peers = peer.peers()
    const addresses = peer.addresses()
    if (changed(this.relays, relays)) this.relays = relays
    if (changed(this.peers, peers)) this.peers = peers
    if (changed(this.addresses, addresses)) this.addresses = addresses
  }

  async #launch (config: RelayConfig): Promise<void> {
    const generation = ++this.#generation
    try {
      const peer = await createPeer({ privateKey: this.#key!, relays: config.relays, webrtc: this.#webrtc })
      if (generation !== this.#generation) {
        await peer.stop() // superseded by a later restart or stop
        return
      }
      this.#peer = peer
      this.peerId = peer.peerId
      for (const type of EVENTS) peer.addEventListener(type, this.#refresh)
      this.#timer = setInterval(() => { this.now = Date.now() }, CLOCK_MS)
      this.status = 'running'
      this.refresh()
      this.#announcePeer()
    } catch (err) {
      if (generation === this.#generation) this.#fail(err)
    }
  }

  async #stopPeer (): Promise<void> {
    const peer = this.#peer
    this.#peer = undefined
    clearInterval(this.#timer)
    this.relays = []
    this.peers = []
    this.addresses = []
    if (peer == null) return
    this.#announcePeer()
    for (const type of EVENTS) peer.removeEventListener(type, this.#refresh)
    try {
      await peer.stop()
    } catch {
      // the old node is discarded either way
    }
  }

  #announcePeer (): void {
    for (const watcher of [...this.#peerWatchers]) watcher(this.#peer)
  }

  #running (): Peerlink {
    if (this.#peer == null) throw new Error('Peerlink is not running yet')
    return this.#peer
  }

  #fail (err: unknown): void {
    this.status = 'failed'
    this.error = errorMessage(err)
  }
}

function changed (before: unknown, after: unknown): boolean {
  return JSON.stringify(before) !== JSON.stringify(after)
}
