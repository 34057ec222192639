/**
 * Whether the rest of a file can come over a provider's connection when a
 * circuit relay limits it. A relay (circuit relay v2) lets a relayed
 * connection carry so many bytes, both directions together, then resets it.
 * A download that needs more than its connection can still carry gets part of
 * the file, loses the connection, and gets the next part over a new circuit
 * after a while: measured in the network lab with the relay's default of
 * 1 MiB, three leaves every ~20 s, about 0.05 MB/s, with nothing said.
 *
 * So a provider is used over a limited connection only when what is left of
 * the file fits in what that connection can still carry. When the only
 * providers are out of reach this way for a grace period (time for a direct
 * connection to open) and no other provider is in use, the download stops
 * with a RelayLimitError that says why. Pure: time is passed in.
 */
import { TAG_BYTES } from '../constants.js'
import { RelayLimitError, type RelayLimit } from '../errors.js'
import type { FileManifest } from '../manifest.js'
import type { DownloadStats } from './types.js'
import type { Connection } from '@libp2p/interface'

/** Per leaf block on the wire besides its ciphertext: its block frame, its CID in a WANT frame, the DAG nodes listing it. */
const PER_BLOCK_OVERHEAD = 1024
/** What the layers under the block protocol add (Noise: 18 bytes per 64 KiB message; yamux: 12 bytes per frame), rounded up. */
const TRANSPORT_OVERHEAD = 0.01
/** Room left for the rest of the connection's traffic while the file comes (chat, gossip, pings). */
const OTHER_TRAFFIC_BYTES = 64 * 1024

/** What is left of a file to fetch: its leaves' ciphertext bytes and how many leaves. */
export interface Left {
  bytes: number
  blocks: number
}

/** What is left of a file to fetch, from its manifest and what a download holds of it. */
export function leftOf (manifest: Pick<FileManifest, 'segments' | 'size'>, held: Pick<DownloadStats, 'blocks' | 'bytes'>): Left {
  const blocks = Math.max(0, manifest.segments - held.blocks)
  return { blocks, bytes: Math.max(0, manifest.size - held.bytes) + blocks * TAG_BYTES }
}

/** Bytes a connection can still carry (libp2p's `connection.limits.bytes`, set by a circuit relay); undefined when no byte limit applies. */
export function connectionBudget (connection: Pick<Connection, 'limits'>): number | undefined {
  const bytes = connection.limits?.bytes
  return bytes == null ? undefined : Number(bytes)
}

/** Bytes a connection must carry for the rest of a file, with room for the connection's other traffic. */
export function bytesOnTheWire (left: Left): number {
  if (left.blocks <= 0) return 0
  return Math.ceil(left.bytes * (1 + TRANSPORT_OVERHEAD)) + left.blocks * PER_BLOCK_OVERHEAD + OTHER_TRAFFIC_BYTES
}

/** Whether a connection that can still carry `budget` bytes (undefined: no limit) can carry the rest of a file. */
export function fitsConnection (budget: number | undefined, left: Left): boolean {
  return budget == null || budget >= bytesOnTheWire(left)
}

/**
 * The providers a download refused because their connections could not
 * carry the rest of the file, and since when it has had none in use: once
 * that lasts `graceMs`, {@link verdict} says the download cannot go on.
 */
export class LimitedPaths {
  /** Provider → the most bytes the relay lets through its connection. */
  private readonly refused = new Map<string, number>()
  /** Since when providers were refused and none was in use. */
  private since?: number

  constructor (private readonly graceMs: number) {}

  /** `peer`'s connection, through which the relay lets `limit` bytes, cannot carry the rest of the file. */
  refuse (peer: string, limit: number): void {
    this.refused.set(peer, Math.max(limit, this.refused.get(peer) ?? 0))
  }

  /** `peer` is used (its connection can carry the rest): nothing to stop for. */
  use (peer: string): void {
    this.refused.delete(peer)
    this.since = undefined
  }

  has (peer: string): boolean {
    return this.refused.has(peer)
  }

  /** The providers refused. */
  get peers (): string[] {
    return [...this.refused.keys()]
  }

  /**
   * Why the download cannot go on, or undefined while it may: a provider is
   * in use (`inUse`), one is being tried (`trying`: its connection may be a
   * direct one), none was refused, or the grace period has not passed.
   */
  verdict (now: number, state: { inUse: number, trying: number, left: Left }): RelayLimit | undefined {
    if (state.inUse > 0 || this.refused.size === 0) {
      this.since = undefined
      return undefined
    }
    this.since ??= now
    if (state.trying > 0 || now - this.since < this.graceMs) return undefined
    return { peers: [...this.refused.keys()], limit: Math.max(...this.refused.values()), left: bytesOnTheWire(state.left) }
  }
}

/** The error a download stops with on `limit` (a verdict of {@link LimitedPaths}). */
export function relayLimitError (limit: RelayLimit): RelayLimitError {
  const peers = limit.peers.join(', ')
  return new RelayLimitError(`${peers} ${limit.peers.length === 1 ? 'is' : 'are'} reachable only through a relay that lets ${limit.limit} bytes through a connection; the rest of the file needs ${limit.left}`, limit)
}
