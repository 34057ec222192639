import { errorMessage } from '../shared/errors.ts'
import { subscribe } from '../shared/subscribe.ts'
import { IdentityWatch, lastPeerId, rememberPeerId, requestPersistence, takeHandover, type IdentityNotice } from './identity-guard.ts'
import { addReport, type StorageClearedNotice } from './storage-notice.ts'
import { savedIceServers } from '../settings/call-settings.svelte.ts'
import { relayText, resolveRelayConfig, saveRelayText, type RelayConfig } from '../settings/relay-config.ts'
import {
  createPeer, exportIdentity, IdbKeyStore, IdentityKeeper, loadOrCreateIdentity, MemoryChunkStore, MemoryDmStore, MemoryKeyStore, MemoryRoomStore,
  MemoryTransferStore, openIdentity, parseIdentityFile, peerIdOf,
  type ConnectionInfo, type ConnectionStats, type IceServerStatus, type IdentityCheck, type Peerlink, type PeerStatus, type PeerStores, type RelayStatus, type StorageCleared
} from './session-api.ts'

export type PrivateKey = Awaited<ReturnType<typeof loadOrCreateIdentity>>

/** `starting`/`restarting` while a peer is being created; `failed` with `error` set. */
export type SessionStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped'

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
  /** Every ICE server the relays advertise, with its state (URLs only, no credentials). */
  iceServers = $state.raw<IceServerStatus[]>([])
  /** Wall clock, ticking every second (for retry countdowns). */
  now = $state(Date.now())
  /** Something the user must know about this browser's identity (new, restored, lost, not storable). */
  identityNotice = $state.raw<IdentityNotice>()
  /** The browser lets the site store nothing: identity, rooms, messages and files live in this page only. */
  storageUnavailable = $state(false)
  /** The browser's storage for this site was cleared while the app ran: what was written back or lost (one notice per clear). */
  storageCleared = $state.raw<StorageClearedNotice>()

  #key = $state.raw<PrivateKey>()
  #peer?: Peerlink
  #generation = 0
  #timer?: ReturnType<typeof setInterval>
  #unsubscribe?: () => void
  #peerWatchers: Array<(peer: Peerlink | undefined) => void> = []
  /** Direct libp2p WebRTC connections to other browsers; `?webrtc=off` keeps them relayed (tests, diagnosis). */
  #webrtc = true
  #keeper?: IdentityKeeper
  #watch?: IdentityWatch

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
      this.#key ??= await this.#openIdentity()
      if (this.#keeper != null) this.#watch ??= new IdentityWatch(identityFileText(this.#keeper.key), () => { void this.checkIdentity() })
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

  /** Clears the identity notice and what it says of a cleared storage (the user read it). */
  dismissIdentityNotice (): void {
    this.identityNotice = undefined
    this.storageCleared = undefined
  }

  /**
   * Checks that this browser's storage still holds our identity, and writes it
   * back if it was removed (site data cleared while the app runs): run when
   * the page is shown, hidden or focused, and every half minute (as it unloads,
   * the page hands its key to the next one of its tab instead: see IdentityWatch).
   */
  async checkIdentity (): Promise<IdentityCheck | undefined> {
    const keeper = this.#keeper
    if (keeper == null) return undefined
    try {
      const result = await keeper.check()
      if (result !== 'replaced') rememberPeerId(peerIdOf(keeper.key)) // localStorage may have been cleared too
      if (result === 'restored') {
        this.identityNotice = { kind: 'restored' }
        requestPersistence()
      } else if (result === 'replaced' && this.identityNotice?.kind !== 'replaced') {
        this.identityNotice = { kind: 'replaced' }
      }
      return result
    } catch (err) {
      this.identityNotice = { kind: 'unsaved', reason: errorMessage(err) }
      return undefined
    }
  }

  async stop (): Promise<void> {
    this.#generation++
    this.#watch?.dispose()
    this.#watch = undefined
    await this.#stopPeer()
    this.status = 'stopped'
  }

  async connect (peerId: string, options: { signal?: AbortSignal } = {}): Promise<ConnectionInfo> {
    const info = await this.#running().connectToPeer(peerId, options)
    this.refresh()
    return info
  }

  /** Round-trip time to a connected peer, in ms (libp2p ping). */
  async ping (peerId: string, options: { signal?: AbortSignal } = {}): Promise<number> {
    return this.#running().ping(peerId, options)
  }

  /** Counters of the WebRTC connection to a peer (bytes, round-trip time), if that is how it is connected. */
  async connectionStats (peerId: string): Promise<ConnectionStats | undefined> {
    return this.#running().connectionStats(peerId)
  }

  /** Re-reads the snapshots from the peer (only assigning what changed). */
  refresh (): void {
    const peer = this.#peer
    if (peer == null) return
    this.now = Date.now()
    const relays = peer.relays()
    const peers = peer.peers()
    const addresses = peer.addresses()
    const iceServers = peer.iceServerStatus()
    if (changed(this.relays, relays)) this.relays = relays
    if (changed(this.peers, peers)) this.peers = peers
    if (changed(this.addresses, addresses)) this.addresses = addresses
    if (changed(this.iceServers, iceServers)) this.iceServers = iceServers
  }

  async #launch (config: RelayConfig): Promise<void> {
    const generation = ++this.#generation
    try {
      // the user's own ICE servers (call settings) win over those the relays advertise
      const peer = await createPeer({ privateKey: this.#key!, relays: config.relays, webrtc: this.#webrtc, iceServers: await savedIceServers(), ...(this.storageUnavailable ? { stores: memoryStores() } : {}) })
      if (generation !== this.#generation) {
        await peer.stop() // superseded by a later restart or stop
        return
      }
      this.#peer = peer
      this.peerId = peer.peerId
      const refresh = (): void => { this.refresh() }
      this.#unsubscribe = subscribe(peer, {
        'relay:connecting': refresh,
        'relay:connected': refresh,
        'relay:reserved': refresh,
        'relay:lost': refresh,
        'relay:error': refresh,
        'peer:connected': refresh,
        'peer:lost': refresh,
        'ice:checked': refresh,
        'storage:cleared': ({ detail }) => { this.#storageCleared(detail) }
      })
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
    this.iceServers = []
    if (peer == null) return
    this.#announcePeer()
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
    try {
      await peer.stop()
    } catch {
      // the old node is discarded either way
    }
  }

  /**
   * The stored identity, or a new one (stored). A new one is said: as a first
   * run, or, when this browser remembers running as another PeerId (its
   * identity was removed), as a lost identity. Without any storage, an identity
   * for this page only.
   */
  async #openIdentity (): Promise<PrivateKey> {
    const store = new IdbKeyStore()
    // the browser deleted the identity's database while the app runs: write the key back now, and the saved relays
    // kept beside it (in use, so held here)
    store.addEventListener('store:cleared', () => {
      void this.checkIdentity()
      if (this.relayConfig?.source === 'saved') saveRelayText(relayText(this.relayConfig.relays)).catch(() => {})
    })
    const handedOver = keyOf(takeHandover())
    let opened
    let restored = false
    try {
      // the previous page of this tab unloaded right after the site data was cleared: its key is written back
      if (handedOver != null) restored = await new IdentityKeeper(store, handedOver).check() === 'restored'
      opened = await openIdentity(store)
    } catch (err) {
      if (err instanceof Error && err.name === 'StorageFullError') {
        // no room for even the key: run as a new one, said unsaved; the checks store it once there is room
        const key = await loadOrCreateIdentity(new MemoryKeyStore())
        this.identityNotice = { kind: 'unsaved', reason: err.message }
        this.#keeper = new IdentityKeeper(store, key)
        return key
      }
      if (!(err instanceof Error) || err.name !== 'StorageUnavailableError') throw err
      this.storageUnavailable = true
      this.identityNotice = { kind: 'unavailable', reason: err.message }
      return loadOrCreateIdentity(new MemoryKeyStore())
    }
    const peerId = peerIdOf(opened.key)
    if (restored) {
      this.identityNotice = { kind: 'restored' }
      requestPersistence()
    } else if (opened.created) {
      const previous = lastPeerId()
      this.identityNotice = previous != null && previous !== peerId ? { kind: 'lost', previous } : { kind: 'created' }
      requestPersistence()
    }
    rememberPeerId(peerId)
    this.#keeper = new IdentityKeeper(store, opened.key)
    return opened.key
  }

  /**
   * A service of the peer says the browser's storage was cleared under it
   * (and what it wrote back or lost): added to the one notice, and the
   * identity is checked at once (it went with the rest).
   */
  #storageCleared (report: StorageCleared): void {
    this.storageCleared = addReport(this.storageCleared, report)
    void this.checkIdentity()
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

/** The key in an identity file a previous page handed over; nothing if there is none or it is not one. */
function keyOf (identityFile: string | undefined): PrivateKey | undefined {
  if (identityFile == null) return undefined
  try {
    return parseIdentityFile(new TextEncoder().encode(identityFile))
  } catch {
    return undefined
  }
}

function identityFileText (key: PrivateKey): string {
  return new TextDecoder().decode(exportIdentity(key))
}

/** Stores in this page's memory, for a browser that lets the site store nothing. */
function memoryStores (): PeerStores {
  return { rooms: new MemoryRoomStore(), dms: new MemoryDmStore(), chunks: new MemoryChunkStore(), transfers: new MemoryTransferStore() }
}

function changed (before: unknown, after: unknown): boolean {
  return JSON.stringify(before) !== JSON.stringify(after)
}
