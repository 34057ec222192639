/** What the relay benches' coordinators (./run.ts, ./storm.ts) and their client processes (./worker.ts) say to each other. */
export type ToWorker =
  | { type: 'grow', worker: number, count: number, perSecond: number, relay: string, relayPeerId: string, timeoutMs: number, keep: boolean }
  | { type: 'count', relayPeerId: string }
  /** Every client pings the relay every `intervalMs` from now on, as a browser's relay keeper probes its relay. */
  | { type: 'pings', intervalMs: number }
  | { type: 'stop' }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'grown', latencies: number[], failures: Record<string, number>, clients: number, rssBytes: number }
  | { type: 'counted', holding: number, clients: number, keepers: Record<string, number>, errors: Record<string, number>, lagP99Ms: number, failedAttempts: Record<string, number>, pings: { sent: number, failed: number } }
