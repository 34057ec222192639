/**
 * The reconnect-storm bench at a tiny size, so its harness cannot rot: a
 * relay, two client processes keeping 12 peers on it, the relay killed and
 * started again. It asserts that every peer came back and that each figure
 * was measured, never how fast (that is the benchmark's business).
 */
import { describe, expect, it } from 'vitest'
import { DEPLOYED_RELAY_ENV } from './pool.ts'
import { measureReconnectStorm, stormPlot } from './storm.ts'

describe('bench/relay-capacity reconnect storm', () => {
  it('restarts the relay under reserved peers and times their return', async () => {
    const result = await measureReconnectStorm({ peers: 12, workers: 2, perSecond: 10, timeoutMs: 60_000, signal: 'SIGKILL', recoverMs: 120_000, relayEnv: DEPLOYED_RELAY_ENV })
    expect(result.reservedBefore).toBe(12)
    expect(result.growFailures).toEqual({})
    expect(result.lost).toBe(0)
    expect(result.toAllMs).toBeGreaterThanOrEqual(result.to99Ms!)
    expect(result.startMs).toBeGreaterThan(0)
    expect(result.healthz.samples).toBeGreaterThan(0)
    expect(result.timeline.at(-1)?.[1]).toBe(12)
    expect(stormPlot(result)).toContain('<svg')
  }, 240_000)
})
