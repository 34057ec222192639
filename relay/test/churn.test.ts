/**
 * Visitors churning against one relay process: identities (stock js-libp2p
 * clients, each with its own key, from 127.0.0.1–127.0.0.8) come, reserve a
 * slot, stay a while, leave and come back, some within the reservation grace.
 * Sampled every 250 ms on /healthz: the reservations held never exceed the
 * open connections by more than the visitors that left within the grace plus
 * one sweep (reservations of gone visitors used to stay for the reservation's
 * 2 h TTL, so the store filled and new visitors could not reserve); every
 * visit gets its reservation; once all have left, reservations and
 * connections go to 0 and the relay's RSS comes back near its baseline.
 *
 * Short by default (50 identities over ~20 s); PEERLINK_CHAOS=1 runs 500
 * identities for 10 minutes with --max-reservations 128 (a small store, so
 * reservations left behind would fill it) and the default --reservation-grace
 * (30 s).
 */
import { appendFile, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp, type TCPSocketOptions } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterAll, describe, expect, it } from 'vitest'
import { healthz, healthzUntil, type Healthz } from './support/healthz.js'
import { startRelay, type RelayProcess } from './support/relay-process.js'
import { reservedAddress } from './support/stock-client.js'
import type { PrivateKey } from '@libp2p/interface'

const CHAOS = process.env.PEERLINK_CHAOS === '1'
const RUN = CHAOS
  // ~80 visitors at once on average (500 × 17.5 s stay / 107.5 s cycle), below the 128 reservations; some come back within the grace
  ? { identities: 500, durationMs: 10 * 60_000, stayMs: [5_000, 30_000], awayMs: [10_000, 170_000], grace: 30_000, args: ['--max-reservations', '128'] }
  : { identities: 50, durationMs: 20_000, stayMs: [1_000, 4_000], awayMs: [300, 5_000], grace: 2_000, args: ['--reservation-grace', '2000'] }
/** The reaper's sweep interval for a grace (reservations.ts). */
const SWEEP = Math.min(5_000, Math.max(100, Math.floor(RUN.grace / 4)))
/** How late after grace + sweep the relay may be on a loaded 2-core box. */
const SLACK = 2_000
const MB = 1024 * 1024
/** Where a chaos run writes its progress once a minute. */
const PROGRESS = join(tmpdir(), 'peerlink-churn-progress.log')

const between = ([lo, hi]: number[]): number => lo! + Math.random() * (hi! - lo!)
const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function rssOf (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024
}

async function visitor (relay: RelayProcess, privateKey: PrivateKey, localAddress: string) {
  const client = await createLibp2p({
    privateKey,
    addresses: { listen: ['/p2p-circuit'] },
    // the relay limits connections per IP: visitors come from 8 loopback addresses
    transports: [tcp({ dialOpts: { localAddress } as TCPSocketOptions }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
  try {
    await client.dial(multiaddr(relay.addr('tcp')))
    await reservedAddress(client, relay.peerId, { signal: AbortSignal.timeout(15_000) })
    return client
  } catch (err) {
    // a visit that failed leaves too
    await client.stop()
    throw err
  }
}

describe('visitors churning against one relay', () => {
  let relay: RelayProcess | undefined
  afterAll(async () => { await relay?.stop() })

  it(`holds no reservation beyond its connections and the grace (${RUN.identities} identities, ${RUN.durationMs / 1000} s)`, async () => {
    relay = await startRelay(RUN.args)
    const pid = relay.process.pid!
    const baseline = await rssOf(pid)
    let peak = baseline
    const departures: number[] = []
    const samples: Array<Healthz & { at: number, allowed: number }> = []
    const violations: string[] = []
    let visits = 0
    let failures: string[] = []
    const end = performance.now() + RUN.durationMs

    let sampling = true
    const sampler = (async () => {
      let lastProgress = performance.now()
      while (sampling) {
        const at = performance.now()
        const h = await healthz(relay!.http).catch(() => undefined)
        if (h == null) {
          // the relay is gone (the test ends or it died: the assertions below say which), or one answer was lost
          if (relay!.process.exitCode != null || relay!.process.signalCode != null) break
          await sleep(250)
          continue
        }
        const recent = departures.filter(d => d >= at - RUN.grace - SWEEP - SLACK).length
        samples.push({ ...h, at, allowed: recent })
        if (h.reservations > h.connections + recent) violations.push(`at ${Math.round(at)}: ${h.reservations} reservations, ${h.connections} connections, ${recent} left within grace + sweep`)
        peak = Math.max(peak, await rssOf(pid))
        if (CHAOS && at - lastProgress > 60_000) {
          // a long run reports as it goes (vitest prints console output only at the end)
          lastProgress = at
          await appendFile(PROGRESS, `${new Date().toISOString()} ${JSON.stringify({ visits, failures: failures.length, violations: violations.length, samples: samples.length, reservations: h.reservations, connections: h.connections, reaped: h.reservationsReaped, refused: h.reservationsRefused, rssMB: Math.round(peak / MB) })}\n`)
        }
        await sleep(250)
      }
    })()

    const keys = await Promise.all(Array.from({ length: RUN.identities }, async () => generateKeyPair('Ed25519')))
    await Promise.all(keys.map(async (key, i) => {
      // arrivals spread over the first half
      await sleep(Math.random() * RUN.durationMs / 2)
      while (performance.now() < end) {
        visits++
        let client: Awaited<ReturnType<typeof visitor>> | undefined
        try {
          client = await visitor(relay!, key, `127.0.0.${1 + i % 8}`)
          await sleep(Math.min(between(RUN.stayMs), Math.max(0, end - performance.now())))
        } catch (err) {
          failures.push(`identity ${i}: ${(err as Error).name} ${(err as Error).message}`)
        } finally {
          departures.push(performance.now())
          await client?.stop()
        }
        if (performance.now() >= end) break
        await sleep(Math.min(between(RUN.awayMs), end - performance.now()))
      }
    }))
    const lastLeft = performance.now()
    const drained = await healthzUntil(relay.http, h => h.reservations === 0 && h.connections === 0, { ms: RUN.grace + SWEEP + SLACK + 10_000, every: 250 })
    const drainMs = performance.now() - lastLeft
    // RSS after: a few seconds for the relay's heap to settle
    await sleep(CHAOS ? 15_000 : 3_000)
    sampling = false
    await sampler
    const after = await rssOf(pid)

    const maxReservations = Math.max(...samples.map(s => s.reservations))
    const maxConnections = Math.max(...samples.map(s => s.connections))
    const maxExcess = Math.max(...samples.map(s => s.reservations - s.connections))
    console.log('churn: %d identities, %d visits over %d s (grace %d ms): %d samples; most held %d reservations, %d connections; reservations − connections at most %d (allowed: those who left within grace + sweep); %d visits without a reservation; 0 reservations %d ms after the last left (reaped %d, refused %d); relay RSS baseline %d MB, peak %d MB, after %d MB',
      RUN.identities, visits, RUN.durationMs / 1000, RUN.grace, samples.length, maxReservations, maxConnections, maxExcess, failures.length,
      Math.round(drainMs), drained.reservationsReaped, drained.reservationsRefused, Math.round(baseline / MB), Math.round(peak / MB), Math.round(after / MB))
    failures = failures.slice(0, 10)
    expect(violations.slice(0, 10)).toEqual([])
    expect(failures).toEqual([])
    expect(drained.reservationsRefused).toBe(0)
    // identities outnumber the reservation store (chaos: 500 for 128): the store was reaped
    expect(drained.reservationsReaped).toBeGreaterThan(0)
    // "near the baseline": within 50 MB or half the baseline, whichever is more
    expect(after).toBeLessThanOrEqual(baseline + Math.max(50 * MB, baseline / 2))
  }, RUN.durationMs + 120_000)
})
