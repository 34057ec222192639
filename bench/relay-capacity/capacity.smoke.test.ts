/**
 * The relay-capacity bench at a tiny size, so its harness cannot rot: a relay,
 * two client processes, two steps, the clients pinging the relay as browsers'
 * relay keepers do. It asserts that every client reserved and that each figure
 * was measured, never how fast or how small (that is the benchmark's
 * business); and that the relay it measures runs with the environment the
 * relay is deployed with.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { DEPLOYED_RELAY_ENV } from './pool.ts'
import { measureRelayCapacity } from './run.ts'

describe('bench/relay-capacity', () => {
  it('reserves in steps and measures the relay at each', async () => {
    const result = await measureRelayCapacity({ steps: [6, 12], workers: 2, perSecond: 10, timeoutMs: 60_000, settleMs: 500, relayEnv: DEPLOYED_RELAY_ENV, clientPingIntervalMs: 500 })
    expect(result.firstFailure).toBeUndefined()
    expect(result.baselineRssMiB).toBeGreaterThan(0)
    expect(result.steps.map(s => [s.clients, s.reserved])).toEqual([[6, 6], [12, 12]])
    for (const step of result.steps) {
      expect(step.relayRssMiB).toBeGreaterThan(0)
      expect(step.latencyP50Ms).toBeGreaterThan(0)
      expect(step.latencyP99Ms).toBeGreaterThanOrEqual(step.latencyP50Ms)
      expect(step.heapUsedMiB).toBeGreaterThan(0)
      expect(step.failures).toEqual({})
      expect(step.clientPings?.sent).toBeGreaterThan(0)
      expect(step.clientPings?.failed).toBe(0)
    }
  }, 120_000)

  it('measures the relay with the environment the Docker image and the systemd unit give it', async () => {
    const dockerfile = await readFile(new URL('../../relay/Dockerfile', import.meta.url), 'utf8')
    const unit = await readFile(new URL('../../deploy/systemd/peerlink-relay@.service', import.meta.url), 'utf8')
    for (const [key, value] of Object.entries(DEPLOYED_RELAY_ENV)) {
      expect(dockerfile).toMatch(new RegExp(`^\\s*(ENV\\s+)?${key}=${value}\\b`, 'm'))
      expect(unit).toContain(`Environment=${key}=${value}\n`)
    }
  })
})
