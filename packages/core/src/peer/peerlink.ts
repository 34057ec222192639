import { logger } from '@libp2p/logger'
import { WebRTC, Circuit } from '@multiformats/multiaddr-matcher'
import { TypedEventEmitter } from 'main-event'
import { toString } from 'uint8arrays'
import { DEFAULT_TIMEOUT_MS } from '../constants.js'
import { InvalidPeerIdError, PeerUnreachableError } from '../errors.js'
import { parsePeerId } from '../peer-id.js'
import { backoffDelay, sleep } from '../connectivity/backoff.js'
import type { IceServerStatus } from '../connectivity/ice-check.js'
import { bestConnection, describeConnection, type ConnectionInfo } from '../connectivity/connection-info.js'
import { PeerTracker, type PeerStatus, type PeerTrackerEvents } from '../connectivity/peer-tracker.js'
import { RelayIceServers, type RelayIceEvents } from '../connectivity/relay-ice.js'
import { RelayKeeper, RESERVATION_WAIT_MS, reservationsWanted, type RelayKeeperEvents, type RelayStatus } from '../connectivity/relay-keeper.js'
import { readConnectionStats, type ConnectionStats } from '../connectivity/connection-stats.js'
import { peerConnectionOf } from '../connectivity/ice-route.js'
import type { Reservations } from '../connectivity/reservations.js'
import { Calls } from '../calls/index.js'
import { DirectMessages, type DmsCleared } from '../dm/index.js'
import { Files, type FileLink, type FilesCleared, type NamedFile, type ShareOptions, type TransferStatus } from '../files/index.js'
import { assertPreview, Rooms, RoomNotFoundError, type FilePreview, type RoomsCleared } from '../rooms/index.js'
import type { PeerInit, PeerlinkLibp2p, PeerStores } from './types.js'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const log = logger('peerlink:peer')

/**
 * What a clear of the browser's storage while the app ran did, as each
 * service reports it (one service per event).
 */
export interface StorageCleared {
  rooms?: RoomsCleared
  dms?: DmsCleared
  files?: FilesCleared
}

export interface StorageEvents {
  /** The browser's storage for this site was cleared while the app ran: what a service wrote back or lost. */
  'storage:cleared': CustomEvent<StorageCleared>
}

/** Every event a Peerlink peer emits for the UI. */
export type PeerlinkEvents = RelayKeeperEvents & PeerTrackerEvents & RelayIceEvents & StorageEvents

/**
 * A running Peerlink peer: the libp2p node plus relay upkeep and typed
 * connectivity events. Protocols (rooms, files, calls) build on `libp2p`.
 */
export class Peerlink extends TypedEventEmitter<PeerlinkEvents> {
  readonly relayKeeper: RelayKeeper
  /** The ICE servers the relays advertise (see {@link iceServers}). */
  readonly relayIce: RelayIceServers
  readonly peerTracker: PeerTracker
  /** Group chat rooms. */
  readonly rooms: Rooms
  /** 1:1 conversations. */
  readonly dms: DirectMessages
  /** Calls in rooms (signaling; the app makes the peer connections). */
  readonly calls: Calls
  /** Shared files: sharing, downloading, serving. */
  readonly files: Files

  constructor (readonly libp2p: PeerlinkLibp2p, init: Pick<PeerInit, 'privateKey' | 'relays' | 'relayBackoff' | 'iceServers'> & { stores: PeerStores, relayIce?: RelayIceServers, reservations?: Reservations }) {
    super()
    this.ownIceServers = init.iceServers ?? []
    this.relayIce = init.relayIce ?? new RelayIceServers({ urls: [] })
    const connectToPeer = async (peerId: string, options?: AbortOptions): Promise<ConnectionInfo> => this.connectToPeer(peerId, options)
    this.rooms = new Rooms({ libp2p, privateKey: init.privateKey, connectToPeer }, { store: init.stores.rooms })
    this.dms = new DirectMessages({ libp2p, privateKey: init.privateKey, connectToPeer }, { store: init.stores.dms })
    this.calls = new Calls({ libp2p, rooms: this.rooms, connectToPeer })
    const roomMembers = (roomId: string): string[] => this.rooms.get(roomId)?.members().filter(m => !m.self).map(m => m.peerId) ?? []
    this.files = new Files({ libp2p, connectToPeer, roomMembers }, { chunks: init.stores.chunks, transfers: init.stores.transfers })
    this.relayKeeper = new RelayKeeper({ libp2p }, {
      relays: init.relays,
      backoff: init.relayBackoff,
      reservations: { want: reservationsWanted(init.relays.length), waitMs: RESERVATION_WAIT_MS },
      expiries: init.reservations,
      onInfo: (url, info) => { this.relayIce.record(url, info) }
    })
    this.peerTracker = new PeerTracker({ libp2p }, id => this.relayKeeper.isRelay(id))
    for (const type of ['relay:connecting', 'relay:connected', 'relay:reserved', 'relay:lost', 'relay:error'] as const) {
      this.relayKeeper.addEventListener(type, evt => this.safeDispatchEvent(type, { detail: evt.detail }))
    }
    this.peerTracker.addEventListener('peer:connected', evt => this.safeDispatchEvent('peer:connected', { detail: evt.detail }))
    this.peerTracker.addEventListener('peer:lost', evt => this.safeDispatchEvent('peer:lost', { detail: evt.detail }))
    this.relayIce.addEventListener('ice:checked', evt => this.safeDispatchEvent('ice:checked', { detail: evt.detail }))
    this.rooms.addEventListener('storage:cleared', evt => this.safeDispatchEvent('storage:cleared', { detail: { rooms: evt.detail } }))
    this.dms.addEventListener('storage:cleared', evt => this.safeDispatchEvent('storage:cleared', { detail: { dms: evt.detail } }))
    this.files.addEventListener('storage:cleared', evt => this.safeDispatchEvent('storage:cleared', { detail: { files: evt.detail } }))
  }

  private readonly ownIceServers: RTCIceServer[]

  get peerId (): string {
    return this.libp2p.peerId.toString()
  }

  /**
   * ICE servers for a new RTCPeerConnection (calls): the user's own when
   * given to createPeer, else those the relays advertise with unexpired
   * credentials (fetched again when due), else none.
   */
  async iceServers (options: AbortOptions = {}): Promise<RTCIceServer[]> {
    if (this.ownIceServers.length > 0) return this.ownIceServers.map(s => ({ ...s }))
    return this.relayIce.get(options)
  }

  async start (): Promise<void> {
    await this.libp2p.start()
    this.peerTracker.start()
    this.relayIce.start()
    this.relayKeeper.start()
    await this.rooms.start()
    await this.calls.start()
    await this.dms.start()
    await this.files.start()
  }

  async stop (): Promise<void> {
    await this.files.stop()
    await this.dms.stop()
    await this.calls.stop()
    await this.rooms.stop()
    this.relayKeeper.stop()
    this.relayIce.stop()
    this.peerTracker.stop()
    await this.libp2p.stop()
  }

  /**
   * Shares a file: encrypts and stores it, announces it on the DHT and, with
   * `roomId`, posts it to that room (the room's encryption carries its key,
   * and `preview`, an image's or video's thumbnail the caller made).
   *
   * @throws {RoomNotFoundError} when `roomId` is not a joined room (checked before importing)
   * @throws {InvalidPreviewError} when `preview` breaks a limit (checked before importing)
   * @throws {FileTooLargeError} or a storage error from importing
   */
  async shareFile (file: NamedFile, options: ShareOptions & { key?: Uint8Array, preview?: FilePreview } = {}): Promise<{ status: TransferStatus, link: FileLink }> {
    const room = options.roomId == null ? undefined : this.rooms.get(options.roomId)
    if (options.roomId != null && room == null) throw new RoomNotFoundError(`not a member of room ${options.roomId}`)
    const { preview } = options
    if (preview != null) assertPreview(preview)
    const shared = await this.files.share(file, options)
    const { status } = shared
    if (room != null) {
      await room.send('', { cid: status.cid, key: toString(shared.link.key, 'base64url'), name: status.name ?? file.name, size: status.size ?? file.size, type: status.type ?? '', ...(preview == null ? {} : { preview }) })
    }
    return shared
  }

  relays (): RelayStatus[] {
    return this.relayKeeper.list()
  }

  peers (): PeerStatus[] {
    return this.peerTracker.list()
  }

  /**
   * Counters of the connection in use to a peer when it is a WebRTC one (bytes
   * and round-trip time of its selected ICE pair; two readings give its
   * throughput); undefined for other connections, or when not connected.
   */
  async connectionStats (peerId: string): Promise<ConnectionStats | undefined> {
    const connection = bestConnection(this.libp2p.getConnections(parsePeerId(peerId)))
    const pc = connection == null ? undefined : peerConnectionOf(connection)
    return pc == null ? undefined : readConnectionStats(pc)
  }

  /** The state of every ICE server the relays advertise, malformed entries included (URLs only, never credentials). */
  iceServerStatus (): IceServerStatus[] {
    return this.relayIce.status()
  }

  /** Our addresses, including those through relays (`/p2p-circuit`, `/webrtc`). */
  addresses (): string[] {
    return this.libp2p.getMultiaddrs().map(ma => ma.toString())
  }

  /**
   * Connects to a peer by PeerId: finds its addresses (peer store, then the
   * relays' DHT, retried with backoff since a fresh reservation takes a moment
   * to be findable), prefers direct WebRTC signalled through its relay and
   * falls back to a relayed connection.
   *
   * @throws {InvalidPeerIdError} when `peerId` is not a PeerId or is our own
   * @throws {PeerUnreachableError} when no connection could be made before the signal aborted
   */
  async connectToPeer (peerId: string, options: AbortOptions = {}): Promise<ConnectionInfo> {
    const id = parsePeerId(peerId)
    if (id.equals(this.libp2p.peerId)) throw new InvalidPeerIdError('That is your own Peer ID.')
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    let lastError: Error | undefined
    for (let attempt = 0; ; attempt++) {
      const existing = bestConnection(this.libp2p.getConnections(id))
      if (existing?.limits == null && existing != null) return describeConnection(existing)
      try {
        const addrs = await this.addressesOf(id, attempt > 0, { signal })
        log('addresses of %p (%s): %s', id, attempt > 0 ? 'peer routing' : 'peer store', addrs.map(String).join(' '))
        const direct = addrs.filter(ma => WebRTC.matches(ma))
        const relayed = addrs.filter(ma => Circuit.matches(ma) && !WebRTC.matches(ma))
        if (direct.length > 0) {
          try {
            return describeConnection(await this.libp2p.dial(direct, { signal }))
          } catch (err) {
            if (signal.aborted) throw err
            log('direct WebRTC dial to %p failed: %e', id, err)
            lastError = err as Error
          }
        }
        if (relayed.length > 0) {
          return describeConnection(await this.libp2p.dial(relayed, { signal }))
        }
        lastError ??= new Error('no dialable address known')
      } catch (err) {
        if (signal.aborted) break
        lastError = err as Error
        log('connecting to %p, attempt %d: %e', id, attempt, err)
      }
      try {
        await sleep(backoffDelay(attempt, { initialMs: 250, maxMs: 4000, jitter: 0.2 }), { signal })
      } catch {
        break
      }
    }
    throw new PeerUnreachableError(`could not connect to ${peerId}${lastError != null ? `: ${lastError.message}` : ''}`)
  }

  /** Round-trip time in ms over the connection in use to a peer. */
  async ping (peerId: string, options: AbortOptions = {}): Promise<number> {
    return this.libp2p.services.ping.ping(parsePeerId(peerId), {
      signal: options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    })
  }

  private async addressesOf (id: PeerId, lookup: boolean, options: AbortOptions): Promise<Multiaddr[]> {
    if (!lookup) {
      try {
        const peer = await this.libp2p.peerStore.get(id, options)
        if (peer.addresses.length > 0) return peer.addresses.map(a => withPeerId(a.multiaddr, id))
      } catch {
        // not in the peer store: ask the DHT
      }
    }
    // past the peer store: kad-dht would answer from it, even with no address
    const info = await this.libp2p.peerRouting.findPeer(id, { ...options, useCache: false })
    return info.multiaddrs.map(ma => withPeerId(ma, id))
  }
}

function withPeerId (ma: Multiaddr, id: PeerId): Multiaddr {
  return ma.getComponents().at(-1)?.value === id.toString() ? ma : ma.encapsulate(`/p2p/${id.toString()}`)
}
