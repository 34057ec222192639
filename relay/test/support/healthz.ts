import type { RelayStats } from '../../src/relay.js'

export interface Healthz extends RelayStats {
  status: 'ok' | 'stopping' | 'full'
  /** Why no reservation can be taken (with status 'full'). */
  reason?: string
  peerId: string
  connections: number
  reservations: number
}

/** The relay's /healthz answer with its HTTP status. */
export async function healthz (http: string): Promise<Healthz & { httpStatus: number }> {
  const res = await fetch(`${http}/healthz`)
  return { ...(await res.json() as Healthz), httpStatus: res.status }
}

/**
 * Reads /healthz every `every` ms until `done` holds for an answer; rejects after `ms` with the last answer.
 * (The relay has no event stream to await, so its state is polled.)
 */
export async function healthzUntil (http: string, done: (h: Healthz) => boolean, options: { ms?: number, every?: number, onSample?: (h: Healthz) => void } = {}): Promise<Healthz> {
  const deadline = performance.now() + (options.ms ?? 20_000)
  let last: Healthz | undefined
  while (performance.now() < deadline) {
    last = await healthz(http)
    options.onSample?.(last)
    if (done(last)) return last
    await new Promise(resolve => setTimeout(resolve, options.every ?? 100))
  }
  throw new Error(`timed out waiting for ${done.toString()}; last /healthz: ${JSON.stringify(last)}`)
}
