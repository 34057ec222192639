/**
 * Probing a relay connection: 32 bytes echoed on a ping stream (libp2p's
 * ping protocol), one stream per connection kept open from probe to probe.
 *
 * A new stream per probe costs the relay a protocol negotiation, a stream's
 * state and its garbage every time, about 0.8 ms of its thread: with
 * thousands of browsers probing every 10 s that was most of what a relay did
 * while they sat idle. The ping protocol echoes whatever comes until the
 * stream ends, so one stream carries every probe. A Peerlink relay lets a
 * ping stream live for RELAY_PING_STREAM_MS (5 min); a relay that ends it
 * sooner (libp2p's default is 10 s) is asked on a new stream the next time.
 */
import { logger } from '@libp2p/logger'
import { PING_PROTOCOL } from '@libp2p/ping'
import { byteStream, type ByteStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'

const log = logger('peerlink:relays')

/** Bytes a probe sends and expects back (as a ping does). */
export const PROBE_BYTES = 32

interface ProbeStream {
  stream: Stream
  bytes: ByteStream<Stream>
}

/** The probe streams of a node's relay connections, by connection. */
export class RelayProbes {
  private readonly streams = new Map<string, ProbeStream>()

  /**
   * One round trip on `connection` within `timeoutMs`: on its probe stream,
   * opened first when there is none (or the relay ended it). True when
   * anything came back (an error the relay sent, such as a refused stream,
   * shows it is there too); false when nothing did, and the stream is reset.
   */
  async probe (connection: Connection, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const options = { signal: AbortSignal.any([signal, timeout]) }
    let probe = this.streams.get(connection.id)
    try {
      if (probe != null && (probe.stream.status !== 'open' || probe.stream.writeStatus !== 'writable' || probe.stream.remoteWriteStatus !== 'writable')) {
        this.forget(connection.id)
        probe = undefined
      }
      if (probe == null) {
        const stream = await connection.newStream(PING_PROTOCOL, { ...options, runOnLimitedConnection: true })
        probe = { stream, bytes: byteStream(stream) }
        this.streams.set(connection.id, probe)
      }
      await probe.bytes.write(crypto.getRandomValues(new Uint8Array(PROBE_BYTES)), options)
      await probe.bytes.read({ ...options, bytes: PROBE_BYTES })
      return true
    } catch (err) {
      if (probe != null) this.forget(connection.id, err as Error)
      if (timeout.aborted && !signal.aborted) return false
      log.trace('probing relay %p via %a: %e', connection.remotePeer, connection.remoteAddr, err)
      return true
    }
  }

  /** Ends the probe stream of a connection (closed, or no longer probed). */
  forget (connectionId: string, err?: Error): void {
    const probe = this.streams.get(connectionId)
    if (probe == null) return
    this.streams.delete(connectionId)
    if (err != null) {
      probe.stream.abort(err)
      return
    }
    probe.stream.close().catch((err: Error) => { probe.stream.abort(err) })
  }

  /** Ends the probe streams of connections not in `open` (closed ones, whose streams are gone anyway). */
  keepOnly (open: Iterable<string>): void {
    const keep = new Set(open)
    for (const id of [...this.streams.keys()]) if (!keep.has(id)) this.forget(id)
  }

  /** Probe streams open now. */
  get size (): number {
    return this.streams.size
  }
}
