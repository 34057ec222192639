import { MemoryDatastore } from 'datastore-core'
import type { FsDatastore } from 'datastore-fs'
import type { Libp2pEvents, Metrics, PeerId, PeerStore, PeerUpdate, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'

/** Where libp2p's peer store keeps its records in the datastore. */
const PEERS_PREFIX = '/peers/'

type Key = Parameters<FsDatastore['get']>[0]
type Query = Parameters<FsDatastore['query']>[0]
type KeyQuery = Parameters<FsDatastore['queryKeys']>[0]

export interface PeerRecordsInit {
  /** ms a peer's record outlives its last connection (as long as a reservation does). */
  grace: number
  log: Logger
}

export interface PeerRecordsComponents {
  events: TypedEventTarget<Libp2pEvents>
  peerStore: Pick<PeerStore, 'get' | 'delete'>
  getConnections(peerId?: PeerId): Array<{ status: string }>
  metrics?: Metrics
}

/**
 * Keeps libp2p's peer store (what identify, the circuit relay server and
 * the connection manager note about each peer) in memory instead of the
 * relay's datastore on disk, and forgets a peer once it has had no
 * connection for `grace` ms and carries no tag (a configured relay, a
 * reservation, a DHT routing table entry keep theirs).
 *
 * On disk every note was a file written (a temporary file and a rename) and
 * read back, several per connecting peer: when 2,000 peers came back after
 * a restart, a quarter of the relay's CPU went to those files, and every
 * browser that ever connected left one behind. Nothing in them is needed
 * after a restart: a peer tells the relay again (identify) when it returns.
 * The keychain, the WebRTC certificate and the DHT's provider records stay
 * on disk.
 */
export class PeerRecords implements Startable {
  readonly datastore: FsDatastore
  private readonly memory = new MemoryDatastore()
  /** The keys held in `memory`. */
  private readonly keys = new Set<string>()
  /** Peers seen leaving, with when. */
  private readonly goneSince = new Map<string, { peer: PeerId, since: number }>()
  private components?: PeerRecordsComponents
  private timer?: ReturnType<typeof setInterval>
  private forgottenCount = 0

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.goneSince.set(evt.detail.toString(), { peer: evt.detail, since: Date.now() })
  }

  /**
   * A record written about a peer with no connection (a tag removed after
   * its peer left, a peer learned from the DHT) starts the clock too, or a
   * record made after the sweep forgot its peer would stay for good.
   */
  private readonly onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const peer = evt.detail.peer.id
    const key = peer.toString()
    if (this.goneSince.has(key) || this.connected(peer)) return
    this.goneSince.set(key, { peer, since: Date.now() })
  }

  constructor (inner: FsDatastore, private readonly init: PeerRecordsInit) {
    const { memory, keys } = this
    const routed = {
      get: async (key: Key, options?: Parameters<FsDatastore['get']>[1]) => isPeerKey(key) ? memory.get(key, options) : inner.get(key, options),
      has: async (key: Key, options?: Parameters<FsDatastore['has']>[1]) => isPeerKey(key) ? memory.has(key, options) : inner.has(key, options),
      put: async (key: Key, value: Uint8Array, options?: Parameters<FsDatastore['put']>[2]) => {
        if (!isPeerKey(key)) return inner.put(key, value, options)
        keys.add(key.toString())
        return memory.put(key, value, options)
      },
      delete: async (key: Key, options?: Parameters<FsDatastore['delete']>[1]) => {
        if (!isPeerKey(key)) return inner.delete(key, options)
        keys.delete(key.toString())
        memory.delete(key, options)
      },
      query: (query: Query, options?: Parameters<FsDatastore['query']>[1]) => isPeerQuery(query) ? memory.query(query, options) : inner.query(query, options),
      queryKeys: (query: KeyQuery, options?: Parameters<FsDatastore['queryKeys']>[1]) => isPeerQuery(query) ? memory.queryKeys(query, options) : inner.queryKeys(query, options)
    }
    this.datastore = new Proxy(inner, {
      get: (target, prop, receiver) => {
        if (typeof prop === 'string' && Object.hasOwn(routed, prop)) return routed[prop as keyof typeof routed]
        const value: unknown = Reflect.get(target, prop, receiver)
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
      }
    })
  }

  /** Peer records held now, and records forgotten so far. */
  get stats (): { records: number, forgotten: number } {
    return { records: this.keys.size, forgotten: this.forgottenCount }
  }

  /** Wires in the node, once it exists (the datastore is made before it). */
  attach (components: PeerRecordsComponents): void {
    this.components = components
    components.metrics?.registerMetric('peerlink_relay_peer_records', {
      help: 'peers the relay keeps a record of (in memory): those connected and those gone less than the grace',
      calculate: () => this.keys.size
    })
  }

  start (): void {
    const components = this.components
    if (components == null) throw new Error('PeerRecords.attach() must be called before start()')
    components.events.addEventListener('peer:disconnect', this.onDisconnect)
    components.events.addEventListener('peer:update', this.onUpdate)
    const interval = Math.min(5_000, Math.max(100, Math.floor(this.init.grace / 4)))
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => { this.init.log.error('forgetting peers: %e', err) })
    }, interval)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.components?.events.removeEventListener('peer:disconnect', this.onDisconnect)
    this.components?.events.removeEventListener('peer:update', this.onUpdate)
    this.goneSince.clear()
  }

  /**
   * Forgets the peers gone for the grace that carry no tag. A tagged peer
   * stays on the list and is looked at again at the next sweep: its tag may
   * go (a reservation ended, a DHT routing table entry evicted) while it is
   * still away.
   */
  async sweep (): Promise<void> {
    const components = this.components
    if (components == null) return
    const now = Date.now()
    for (const [key, { peer, since }] of this.goneSince) {
      if (now - since < this.init.grace) continue
      if (this.connected(peer)) {
        // back: the clock starts again when it leaves
        this.goneSince.delete(key)
        continue
      }
      const record = await components.peerStore.get(peer).catch(() => undefined)
      if (record != null && record.tags.size > 0) continue
      this.goneSince.delete(key)
      if (record == null) continue
      await components.peerStore.delete(peer)
      this.forgottenCount++
    }
  }

  private connected (peer: PeerId): boolean {
    return this.components?.getConnections(peer).some(c => c.status === 'open') ?? false
  }
}

function isPeerKey (key: Key): boolean {
  return key.toString().startsWith(PEERS_PREFIX)
}

function isPeerQuery (query: { prefix?: string }): boolean {
  return query.prefix?.startsWith(PEERS_PREFIX) === true || query.prefix === PEERS_PREFIX.slice(0, -1)
}
