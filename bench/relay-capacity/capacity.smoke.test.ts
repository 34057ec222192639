/**
 * The relay-capacity bench at a tiny size, so its harness cannot rot: a relay,
 * two client processes, two steps. It asserts that every client reserved and
 * that each figure was measured, never how fast or how small (that is the
 * benchmark's business).
 */
import { describe, expect, it } from 'vitest'
import { measureRelayCapacity } from './run.ts'

describe('bench/relay-capacity', () => {
  it('reserves in steps and measures the relay at each', async () => {
    const result = await measureRelayCapacity({ steps: [6, 12], workers: 2, perSecond: 10, timeoutMs: 60_000, settleMs: 500, relayEnv: { MALLOC_ARENA_MAX: '2' } })
    expect(result.firstFailure).toBeUndefined()
    expect(result.baselineRssMiB).toBeGreaterThan(0)
    expect(result.steps.map(s => [s.clients, s.reserved])).toEqual([[6, 6], [12, 12]])
    for (const step of result.steps) {
      expect(step.relayRssMiB).toBeGreaterThan(0)
      expect(step.latencyP50Ms).toBeGreaterThan(0)
      expect(step.latencyP99Ms).toBeGreaterThanOrEqual(step.latencyP50Ms)
      expect(step.heapUsedMiB).toBeGreaterThan(0)
      expect(step.failures).toEqual({})
    }
  }, 120_000)
})
