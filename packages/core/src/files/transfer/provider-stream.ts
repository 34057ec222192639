/**
 * Opening block-protocol streams to providers: on the best connection there
 * is (direct first, then relayed; connecting first if needed), with what that
 * connection can still carry when a circuit relay limits it.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { CONNECT_TIMEOUT_MS, STREAM_OPEN_TIMEOUT_MS } from '../../constants.js'
import { openConnections, openStreamOn, type OpenStreamComponents } from '../../connectivity/open-stream.js'
import { BLOCKS_PROTOCOL } from './constants.js'
import { connectionBudget } from './relay-limit.js'
import type { Connection, Stream } from '@libp2p/interface'

const log = logger('peerlink:files')

/** A block-protocol stream to a provider, and what the connection under it can still carry. */
export interface ProviderStream {
  stream: Stream
  /** Bytes the connection can still carry (read when asked: it shrinks as bytes pass); undefined when nothing limits them. */
  budget(): number | undefined
  /** Bytes the relay lets through the connection in all (what it could carry when it opened), when known. */
  limit?: number
}

/**
 * Opens a block stream to `peer` (within CONNECT_TIMEOUT_MS).
 *
 * @param limits - what a relay let through each limited connection when it opened
 * @throws the last error when no connection takes the protocol
 */
export async function openProviderStream (components: OpenStreamComponents, limits: WeakMap<Connection, number>, peer: string, signal: AbortSignal): Promise<ProviderStream> {
  const { stream, connection } = await openStreamOn(components, peer, BLOCKS_PROTOCOL, {
    signal: AbortSignal.any([signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)]),
    streamTimeoutMs: STREAM_OPEN_TIMEOUT_MS
  })
  // dialled by libp2p when no connection was open: the one it made is the best there is
  const under = connection ?? openConnections(components, peerIdFromString(peer))[0]
  const limit = under == null ? undefined : limits.get(under)
  return { stream, budget: () => under == null ? undefined : connectionBudget(under), ...(limit == null ? {} : { limit }) }
}

/**
 * The first of `connections` that takes a block stream, tried in turn: a
 * WebRTC connection can be reported open while its ICE never connected, and
 * carry nothing. The stream is closed at once (no OPEN frame: the provider
 * ends it).
 */
export async function firstCarrying (connections: Connection[], signal: AbortSignal): Promise<Connection | undefined> {
  for (const connection of connections) {
    try {
      const stream = await connection.newStream(BLOCKS_PROTOCOL, {
        runOnLimitedConnection: true,
        signal: AbortSignal.any([signal, AbortSignal.timeout(STREAM_OPEN_TIMEOUT_MS)])
      })
      await stream.close({ signal: AbortSignal.timeout(STREAM_OPEN_TIMEOUT_MS) }).catch(err => { stream.abort(err as Error) })
      return connection
    } catch (err) {
      log('the connection %a takes no block stream: %e', connection.remoteAddr, err)
    }
  }
  return undefined
}
