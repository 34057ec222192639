import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { STREAM_RACE_MS } from '../constants.js'
import { StreamNotNeededError, StreamOpenTimeoutError } from '../errors.js'
import type { AbortOptions, Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'

const log = logger('peerlink:peer')

export interface OpenStreamComponents {
  libp2p: Pick<Libp2p, 'getConnections' | 'dialProtocol'>
  connectToPeer(peerId: string, options?: AbortOptions): Promise<unknown>
}

export interface OpenStreamOptions extends AbortOptions {
  /** Give up on each existing connection's stream after this long (a half-open connection). */
  streamTimeoutMs: number
  /** Ask the next connection of the same kind too when a stream has not opened after this long (STREAM_RACE_MS). */
  raceAfterMs?: number
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
 * Direct connections are asked first, relayed ones only when no direct one
 * takes the stream. Among connections of one kind the first is asked, and the
 * next too when the first has not answered within `raceAfterMs` (or failed):
 * when both ends dialled at once, libp2p on one end drops the second
 * connection, and on the other end it looks open until ICE gives up, taking
 * no stream. The first stream to open is used; a connection that then takes
 * none within `streamTimeoutMs` is closed (StreamOpenTimeoutError).
 *
 * @throws the last error when no connection takes the protocol
 */
export async function openStreamOn (components: OpenStreamComponents, peerId: string, protocol: string, options: OpenStreamOptions): Promise<{ stream: Stream, connection?: Connection }> {
  const id = peerIdFromString(peerId)
  const { signal } = options
  if (openConnections(components, id).length === 0) await components.connectToPeer(peerId, { signal })
  const connections = openConnections(components, id)
  if (connections.length === 0) {
    return { stream: await components.libp2p.dialProtocol(id, protocol, { runOnLimitedConnection: true, signal }) }
  }
  let lastError: unknown
  for (const kind of [connections.filter(c => c.limits == null), connections.filter(c => c.limits != null)]) {
    if (kind.length === 0) continue
    try {
      return await firstStream(kind, protocol, options)
    } catch (err) {
      if (signal?.aborted === true) throw err
      lastError = err
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

/** The first stream one of `connections` opens, asked of them in turn `raceAfterMs` apart (see openStreamOn). */
async function firstStream (connections: Connection[], protocol: string, options: OpenStreamOptions): Promise<{ stream: Stream, connection: Connection }> {
  const { signal, streamTimeoutMs, raceAfterMs = STREAM_RACE_MS } = options
  return new Promise((resolve, reject) => {
    let settled = false
    let winner: Connection | undefined
    let next = 0
    let failed = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    /** Connections that timed out before another took the stream. */
    const silent: Connection[] = []
    const close = (connection: Connection): void => {
      log('closing %a: it took no %s stream in %d ms while another connection to the peer did', connection.remoteAddr, protocol, streamTimeoutMs)
      connection.abort(new StreamOpenTimeoutError(`no ${protocol} stream opened within ${streamTimeoutMs} ms`))
    }
    const ask = (): void => {
      clearTimeout(timer)
      if (settled || next >= connections.length) return
      const connection = connections[next++] as Connection
      const timeout = AbortSignal.timeout(streamTimeoutMs)
      connection.newStream(protocol, {
        runOnLimitedConnection: true,
        signal: signal == null ? timeout : AbortSignal.any([signal, timeout])
      }).then(stream => {
        if (settled) {
          stream.abort(new StreamNotNeededError('a stream on another connection was opened first'))
          return
        }
        settled = true
        winner = connection
        clearTimeout(timer)
        for (const c of silent) close(c)
        resolve({ stream, connection })
      }, (err: Error) => {
        log('opening %s on %a failed: %e', protocol, connection.remoteAddr, err)
        const timedOut = timeout.aborted && signal?.aborted !== true
        if (winner != null) {
          if (timedOut) close(connection)
          return
        }
        if (timedOut) silent.push(connection)
        if (settled) return
        if (signal?.aborted === true || ++failed === connections.length) {
          settled = true
          clearTimeout(timer)
          reject(err)
        } else {
          ask()
        }
      })
      if (next < connections.length) timer = setTimeout(ask, raceAfterMs)
    }
    ask()
  })
}
