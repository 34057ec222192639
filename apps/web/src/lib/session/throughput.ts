import type { ConnectionStats } from './session-api.ts'

/**
 * Bytes per second each way between two readings of one connection's
 * counters; undefined for the first reading, for readings at the same moment,
 * or when the counters went back (another connection, counting from zero).
 */
export function throughput (previous: ConnectionStats | undefined, reading: ConnectionStats): { sendRate: number, receiveRate: number } | undefined {
  if (previous == null) return undefined
  const seconds = (reading.at - previous.at) / 1000
  if (seconds <= 0 || reading.bytesSent < previous.bytesSent || reading.bytesReceived < previous.bytesReceived) return undefined
  return {
    sendRate: (reading.bytesSent - previous.bytesSent) / seconds,
    receiveRate: (reading.bytesReceived - previous.bytesReceived) / seconds
  }
}
