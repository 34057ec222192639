import type { AbortOptions } from '@libp2p/interface'

export interface BackoffOptions {
  /** First delay in ms. */
  initialMs: number
  /** Largest delay in ms. */
  maxMs: number
  /** Random share of each delay, 0..1, so many clients do not retry in step. */
  jitter: number
}

/**
 * The relay keeper's: when a relay restarts every browser loses it at the same
 * moment, so the retries must spread, each delay anywhere from half to all of
 * its step ("equal jitter"; a third of it left the returns bunched).
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, jitter: 0.5 }

/**
 * Exponential backoff delay for a 0-based attempt number:
 * initialMs * 2^attempt, capped at maxMs, less up to `jitter` of itself.
 */
export function backoffDelay (attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(base * (1 - options.jitter * random()))
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export async function sleep (ms: number, options: AbortOptions = {}): Promise<void> {
  const { signal } = options
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
