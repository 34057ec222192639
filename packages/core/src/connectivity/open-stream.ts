import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AbortOptions, Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'

const log = logger('peerlink:peer')

export interface OpenStreamComponents {
  libp2p: Pick<Libp2p, 'getConnections' | 'dialProtocol'>
  connectToPeer(peerId: string, options?: AbortOptions): Promise<unknown>
}

export interface OpenStreamOptions extends AbortOptions {
  /** Give up on each existing connection's stream after this long (a half-open connection). */
  streamTimeoutMs: number
}

/**
 * Opens a protocol stream to a peer on a connection to it (direct ones first,
 * then relayed), connecting to it first if there is none.
 *
 * @throws the last error when no connection takes the protocol
 */
export async function openStream (components: OpenStreamComponents, peerId: string, protocol: string, options: OpenStreamOptions): Promise<Stream> {
  return (await openStreamOn(components, peerId, protocol, options)).stream
}

/**
 * {@link openStream}, with the connection the stream runs on (its `limits`
 * say what a relay still lets through it).
 *
 * @throws the last error when no connection takes the protocol
 */
export async function openStreamOn (components: OpenStreamComponents, peerId: string, protocol: string, options: OpenStreamOptions): Promise<{ stream: Stream, connection?: Connection }> {
  const id = peerIdFromString(peerId)
  const { signal, streamTimeoutMs } = options
  if (openConnections(components, id).length === 0) await components.connectToPeer(peerId, { signal })
  const connections = openConnections(components, id)
  if (connections.length === 0) {
    return { stream: await components.libp2p.dialProtocol(id, protocol, { runOnLimitedConnection: true, signal }) }
  }
  let lastError: unknown
  for (const connection of connections) {
    try {
      const timeout = AbortSignal.timeout(streamTimeoutMs)
      const stream = await connection.newStream(protocol, {
        runOnLimitedConnection: true,
        signal: signal == null ? timeout : AbortSignal.any([signal, timeout])
      })
      return { stream, connection }
    } catch (err) {
      if (signal?.aborted === true) throw err
      lastError = err
      log('opening %s on %a failed: %e', protocol, connection.remoteAddr, err)
    }
  }
  throw lastError
}

/** Our open connections to `id`, unlimited ones first (`dialProtocol` would not reuse relayed ones). */
export function openConnections (components: Pick<OpenStreamComponents, 'libp2p'>, id: PeerId): Connection[] {
  return components.libp2p.getConnections(id)
    .filter(c => c.status === 'open')
    .sort((a, b) => Number(a.limits != null) - Number(b.limits != null))
}
