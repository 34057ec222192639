/**
 * Files services on an in-memory network, for tests of downloads between
 * peers: fake libp2p nodes whose connections carry real in-memory streams
 * (limited like a relay's circuit when asked), each with a started Files
 * service over in-memory stores.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { CID } from 'multiformats/cid'
import { MemoryChunkStore } from '../../src/files/chunk-store.js'
import { readFile } from '../../src/files/export.js'
import { Files, type FilesComponents } from '../../src/files/transfer/files.js'
import { MemoryTransferStore } from '../../src/files/transfer/store.js'
import type { TransferStatus } from '../../src/files/transfer/types.js'
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'

/** Peers by PeerId. */
const network = new Map<string, FakeLibp2p>()

/**
 * A connection: limited like a relay's circuit when `limit` is a number (bytes both ways together, reset past
 * it), limited in time only with 'time', direct without; 'phantom' is a WebRTC connection reported open whose
 * ICE never connected (no limits, every stream fails).
 */
export class FakeConnection {
  readonly id = `c${Math.random().toString(36).slice(2)}`
  readonly remoteAddr = { toString: () => '/fake' }
  readonly direction = 'outbound'
  readonly timeline = { open: Date.now() }
  status: 'open' | 'closed' = 'open'
  used = 0
  private readonly streams: Stream[] = []

  /** Streams asked of it. */
  streamsAsked = 0
  /** A phantom's: resolves when it has refused a stream. */
  readonly refused: Promise<void>
  private onRefused?: () => void

  constructor (readonly local: FakeLibp2p, readonly remote: FakeLibp2p, readonly limit?: number | 'time' | 'phantom') {
    this.refused = new Promise(resolve => { this.onRefused = resolve })
  }

  get remotePeer (): PeerId {
    return this.remote.peerId
  }

  get limits (): { bytes?: bigint, seconds: number } | undefined {
    if (this.limit == null) return undefined
    if (this.limit === 'phantom') return undefined
    if (this.limit === 'time') return { seconds: 600 }
    return { bytes: BigInt(Math.max(0, this.limit - this.used)), seconds: 600 }
  }

  async newStream (protocol: string): Promise<Stream> {
    this.streamsAsked++
    if (this.status !== 'open') throw new Error('connection closed')
    if (this.limit === 'phantom') {
      await new Promise(resolve => setTimeout(resolve, 50))
      this.onRefused?.()
      throw new Error('the data channel failed')
    }
    const handler = this.remote.handlers.get(protocol)
    if (handler == null) throw new Error(`${protocol} not handled`)
    const [outbound, inbound] = await streamPair()
    for (const stream of [outbound, inbound]) {
      this.streams.push(stream)
      stream.addEventListener('message', (evt) => {
        this.used += evt.data.byteLength
        if (typeof this.limit === 'number' && this.used > this.limit) this.reset()
      })
    }
    void handler(inbound, { remotePeer: this.local.peerId, limits: this.limits } as unknown as Connection)
    return outbound
  }

  /** What a relay does past the limit: both ends reset, the connection is gone. */
  reset (): void {
    if (this.status === 'closed') return
    this.status = 'closed'
    for (const stream of this.streams) stream.abort(new Error('data limit exceeded'))
  }
}

export class FakeLibp2p extends TypedEventEmitter<{ 'connection:open': CustomEvent<Connection> }> {
  readonly handlers = new Map<string, StreamHandler>()
  readonly connections: FakeConnection[] = []
  /** The limit of the connections `connectToPeer` makes. */
  nextLimit: number | 'time' | 'phantom' | 'none' = 'none'
  /** Dials `connectToPeer` fails before it connects again (a peer unreachable for a moment). */
  failDials = 0
  /** Searches of the DHT for providers (none is found there). */
  searches = 0
  readonly contentRouting = {
    provide: async () => {},
    findProviders: (): AsyncGenerator<never> => {
      this.searches++
      return (async function * () {})()
    }
  }

  constructor (readonly peerId: PeerId) {
    super()
    network.set(peerId.toString(), this)
  }

  async handle (protocol: string, handler: StreamHandler): Promise<void> {
    this.handlers.set(protocol, handler)
  }

  async unhandle (protocol: string): Promise<void> {
    this.handlers.delete(protocol)
  }

  getConnections (peer?: PeerId): Connection[] {
    return this.connections.filter(c => c.status === 'open' && (peer == null || c.remotePeer.equals(peer))) as unknown as Connection[]
  }

  async dialProtocol (): Promise<Stream> {
    throw new Error('not dialled in these tests')
  }

  /** Opens a connection to `id` (limited by `limit`; 'none': a direct one), as libp2p reports it. */
  open (id: string, limit = this.nextLimit): FakeConnection {
    const remote = network.get(id)
    if (remote == null) throw new Error(`${id} is unknown`)
    const connection = new FakeConnection(this, remote, limit === 'none' ? undefined : limit)
    this.connections.push(connection)
    this.safeDispatchEvent('connection:open', { detail: connection as unknown as Connection })
    return connection
  }
}

const services: Files[] = []

export interface TestPeer {
  files: Files
  libp2p: FakeLibp2p
  id: string
  chunks: MemoryChunkStore
}

/** A started Files service on a fake libp2p node of the in-memory network. */
export async function peer (chunks = new MemoryChunkStore()): Promise<TestPeer> {
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  const files = new Files({
    libp2p: libp2p as unknown as FilesComponents['libp2p'],
    connectToPeer: async (id: string) => {
      if (libp2p.failDials > 0) {
        libp2p.failDials--
        throw new Error('the dial failed')
      }
      return libp2p.open(id)
    }
  }, { chunks, transfers: new MemoryTransferStore(), relayLimitGraceMs: 200 })
  await files.start()
  services.push(files)
  return { files, libp2p, id: libp2p.peerId.toString(), chunks }
}

/** The plaintext of a file held in `store`. */
export async function contents (cid: string, key: Uint8Array, store: MemoryChunkStore): Promise<Uint8Array> {
  const { content } = await readFile(CID.parse(cid), key, { store })
  const parts: Uint8Array[] = []
  for await (const part of content) parts.push(part)
  return new Uint8Array(await new Blob(parts as Array<Uint8Array<ArrayBuffer>>).arrayBuffer())
}

export function data (n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7919 + 13) & 0xff)
}

export function blob (bytes: Uint8Array, name: string): { name: string, type: string, size: number, slice(s?: number, e?: number): Blob } {
  return { name, type: '', size: bytes.byteLength, slice: (s, e) => new Blob([bytes as Uint8Array<ArrayBuffer>]).slice(s, e) }
}

/** The first status of `cid` that `check` accepts (the current one included). */
export async function until (files: Files, cid: string, check: (s: TransferStatus) => boolean, ms = 15_000): Promise<TransferStatus> {
  const now = files.get(cid)
  if (now != null && check(now)) return now
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no such status of ${cid} in ${ms} ms: ${JSON.stringify(files.get(cid))}`)) }, ms)
    const listener = (evt: CustomEvent<TransferStatus>): void => {
      if (evt.detail.cid !== cid || !check(evt.detail)) return
      clearTimeout(timer)
      for (const type of ['transfer:updated', 'transfer:complete'] as const) files.removeEventListener(type, listener)
      resolve(evt.detail)
    }
    for (const type of ['transfer:updated', 'transfer:complete'] as const) files.addEventListener(type, listener)
  })
}

/** Stops every service `peer` started and forgets the network (after each test). */
export async function stopPeers (): Promise<void> {
  for (const files of services.splice(0)) await files.stop()
  network.clear()
}
