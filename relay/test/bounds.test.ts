/**
 * The relay's state stays bounded when its visitors come and go, against a
 * real relay process and stock js-libp2p clients:
 * - reservations: identities that reserved and left no longer hold the store
 *   (more identities than --max-reservations came one after another; the
 *   store was full with no connection left and a new client could not reserve);
 *   a peer back within the grace keeps its reservation;
 * - gossipsub: a subscription flood (3 identities × 945 Peerlink topics in one
 *   message, then more one by one) neither makes the relay follow more than
 *   --max-followed-topics nor stops a room's messages; the flood's topics are left;
 * - kad-dht provider records: bounded per peer and in all, expired by
 *   --provider-ttl, and expired records do not survive a restart;
 * - SIGTERM: /healthz answers 503 "stopping" during the drain and reservations are refused;
 * - ping: 8 pings at once to the relay while the client's DHT queries run succeed.
 */
import { readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createPeer, DHT_PROTOCOL, loadOrCreateIdentity, MemoryKeyStore, parsePeerId, parseRelayList, peerIdOf, TOPIC_PREFIX, type Peerlink, type Room } from '@peerlink/core'
import { createLibp2p } from 'libp2p'
import { afterEach, describe, expect, it } from 'vitest'
import { healthz, healthzUntil } from './support/healthz.js'
import { startRelay, type RelayProcess } from './support/relay-process.js'
import { reservedAddress, stockClient, type StockClient } from './support/stock-client.js'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const relays: RelayProcess[] = []
const stoppers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  await Promise.allSettled(stoppers.splice(0).map(async stop => stop()))
  await Promise.allSettled(relays.map(async r => r.stop()))
  // RELAY_DEBUG=<debug namespaces> keeps each relay's log
  if (process.env.RELAY_DEBUG != null) for (const [i, r] of relays.entries()) await writeFile(join(tmpdir(), `bounds-relay-${i}.log`), r.output())
  relays.splice(0)
})

async function relayWith (args: string[], options: { dataDir?: string } = {}): Promise<RelayProcess> {
  const relay = await startRelay(args, { ...options, env: { DEBUG: process.env.RELAY_DEBUG } })
  relays.push(relay)
  return relay
}

/** A stock client (reserving through /p2p-circuit) connected to the relay with its reservation made. */
async function reservingClient (relay: RelayProcess, privateKey?: PrivateKey): Promise<StockClient> {
  const client = await stockClient(privateKey)
  stoppers.push(async () => client.stop())
  await client.dial(multiaddr(relay.addr('tcp')))
  await reservedAddress(client, relay.peerId, { signal: AbortSignal.timeout(10_000) })
  return client
}

describe('reservations of peers that left', () => {
  it('end after the grace, so more identities than --max-reservations can come and go and a new client still reserves', async () => {
    const GRACE = 1000
    const relay = await relayWith(['--max-reservations', '8', '--reservation-grace', String(GRACE)])
    // 12 identities, one after another: each reserves, then leaves
    for (let i = 0; i < 12; i++) {
      const client = await reservingClient(relay)
      await client.stop()
    }
    const left = performance.now()
    const before = await healthz(relay.http)
    // the sweep runs every grace/4: all reservations end within grace + sweep (+ slack for a loaded box)
    const drained = await healthzUntil(relay.http, h => h.reservations === 0 && h.connections === 0, { ms: GRACE + GRACE / 4 + 3000 })
    const drainMs = performance.now() - left
    const fresh = await reservingClient(relay)
    const after = await healthz(relay.http)
    console.log('reservations: 12 identities, max 8, grace %d ms: after the last left %o; 0 after %d ms; a new client reserved: %o',
      GRACE, { connections: before.connections, reservations: before.reservations }, Math.round(drainMs), { reservations: after.reservations, reaped: after.reservationsReaped, refused: after.reservationsRefused })
    expect(drained.reservationsReaped).toBeGreaterThanOrEqual(12)
    expect(after.reservations).toBe(1)
    expect(after.reservationsRefused).toBe(0)
    await fresh.stop()
  })

  it('are kept for a peer that reconnects within the grace', async () => {
    const GRACE = 2000
    const relay = await relayWith(['--reservation-grace', String(GRACE)])
    const key = await generateKeyPair('Ed25519')
    const client = await reservingClient(relay, key)
    await client.stop()
    // the same identity comes back (without asking for a new reservation) before the grace ends
    const back = await createLibp2p({ privateKey: key, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()], connectionGater: { denyDialMultiaddr: () => false }, services: { identify: identify() } })
    stoppers.push(async () => back.stop())
    await back.dial(multiaddr(relay.addr('tcp')))
    // wait past grace + sweep: the reservation stands
    const start = performance.now()
    let h = await healthz(relay.http)
    while (performance.now() - start < GRACE * 2) {
      h = await healthz(relay.http)
      expect(h.reservations).toBe(1)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    expect(h.reservationsReaped).toBe(0)
    // and it ends once the peer is gone for the grace
    await back.stop()
    await healthzUntil(relay.http, h => h.reservations === 0, { ms: GRACE * 2 + 3000 })
  })
})

describe('peer records', () => {
  it('are kept in memory, not in the data directory, and forgotten once their peer is gone for the grace', async () => {
    const GRACE = 1000
    const relay = await relayWith(['--reservation-grace', String(GRACE)])
    const empty = await healthz(relay.http)
    // 12 identities, one after another: each reserves (identify and the reservation note it in the peer store), then leaves
    for (let i = 0; i < 12; i++) {
      const client = await reservingClient(relay)
      if (i === 11) {
        const connected = await healthz(relay.http)
        expect(connected.peerRecords).toBeGreaterThan(empty.peerRecords)
      }
      await client.stop()
    }
    const gone = await healthzUntil(relay.http, h => h.connections === 0 && h.peerRecords === empty.peerRecords, { ms: GRACE * 2 + 5000 })
    console.log('peer records: %d on the empty relay, back to %d after 12 identities came and went (grace %d ms)', empty.peerRecords, gone.peerRecords, GRACE)
    // nothing about the visitors was written to disk
    const onDisk = await readdir(join(relay.dataDir, 'datastore', 'peers')).catch(() => [])
    expect(onDisk).toEqual([])
  })
})

/** A stock client with gossipsub (no Peerlink code), subscribed to `topics` before it dials so they go in its first RPC. */
async function gossipClient (relay: RelayProcess, topics: string[]) {
  const client = await createLibp2p({
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) }
  })
  stoppers.push(async () => client.stop())
  for (const topic of topics) client.services.pubsub.subscribe(topic)
  await client.dial(multiaddr(relay.addr('tcp')))
  // gossipsub's stream to the relay opens after identify; its first RPC carries the subscriptions so far
  // (and a subscription made before the stream is open is sent in no other RPC)
  const deadline = performance.now() + 10_000
  const outbound = (): boolean => client.getConnections().some(c => c.remotePeer.toString() === relay.peerId &&
    c.streams.some(s => s.direction === 'outbound' && s.protocol?.includes('meshsub') === true))
  while (!outbound()) {
    if (performance.now() > deadline) throw new Error('no gossipsub stream to the relay after 10 s')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return client
}

describe('a gossipsub subscription flood', () => {
  it('keeps the relay within --max-followed-topics, rooms still deliver, and the flood\'s topics are left', async () => {
    const MAX_TOPICS = 64
    const PROBATION = 2000
    const relay = await relayWith(['--max-followed-topics', String(MAX_TOPICS), '--max-topics-per-peer', '32', '--topic-probation', String(PROBATION)])
    let maxFollowed = 0
    let polling = true
    const poll = (async () => {
      while (polling && relay.process.exitCode == null) {
        maxFollowed = Math.max(maxFollowed, (await healthz(relay.http).catch(() => undefined))?.followedTopics ?? 0)
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    })()

    // two ordinary Peerlink peers that share only the relay, in one room
    const peer = async (): Promise<Peerlink> => {
      const p = await createPeer({ privateKey: await loadOrCreateIdentity(new MemoryKeyStore()), relays: parseRelayList(relay.infoUrl).relays, webrtc: false })
      stoppers.push(async () => p.stop())
      if (p.relays()[0]?.state !== 'reserved') await new Promise(resolve => { p.addEventListener('relay:reserved', resolve, { once: true }) })
      return p
    }
    const t0 = performance.now()
    const [a, b] = await Promise.all([peer(), peer()])
    const peersMs = performance.now() - t0

    // 3 attackers × 945 Peerlink topics in their first RPC, then 300 more each, one RPC per topic
    const flood = (n: number, i: number, from = 0): string[] => Array.from({ length: n }, (_, j) => `${TOPIC_PREFIX}room/${'f'.repeat(40)}${i}-${from + j}`)
    const attackers = await Promise.all([0, 1, 2].map(async i => gossipClient(relay, flood(945, i))))
    for (const [i, attacker] of attackers.entries()) {
      for (const topic of flood(300, i, 945)) attacker.services.pubsub.subscribe(topic)
    }
    // the relay saw the one-by-one subscriptions: each attacker got its per-peer share, the rest was ignored
    const flooded = await healthzUntil(relay.http, h => h.ignoredSubscriptions >= 3 * (300 - 32), { ms: 20_000 })
    const floodMs = performance.now() - t0 - peersMs

    const roomA = await a.rooms.create()
    const roomB = await b.rooms.join(roomA.invite)
    await until(roomA, () => roomA.members().some(m => m.peerId === b.peerId && m.state === 'online'))
    for (let i = 0; i < 5; i++) await roomA.send(`message ${i}`)
    await until(roomB, () => roomB.messages().filter(m => m.text.startsWith('message ')).length === 5)
    const delivered = roomB.messages().filter(m => m.text.startsWith('message ')).length

    // the attackers leave: within probation + sweep, only the room's topic is followed
    await Promise.all(attackers.map(async c => c.stop()))
    const left = performance.now()
    const after = await healthzUntil(relay.http, h => h.followedTopics <= 2, { ms: PROBATION + PROBATION / 4 + 5000 })
    const leftMs = performance.now() - left
    polling = false
    await poll
    console.log('(Peerlink peers reserved in %d ms, flood taken in %d ms)', Math.round(peersMs), Math.round(floodMs))
    console.log('subscription flood: 3 × (945 in one RPC + 300 one by one), max %d topics: during %o; most followed at once %d; room delivered %d/5; %d ms after the attackers left %o',
      MAX_TOPICS, { followed: flooded.followedTopics, quiet: flooded.quietTopics, ignored: flooded.ignoredSubscriptions }, maxFollowed, delivered, Math.round(leftMs), { followed: after.followedTopics, quiet: after.quietTopics })
    expect(delivered).toBe(5)
    expect(maxFollowed).toBeLessThanOrEqual(MAX_TOPICS)
    // the room's topics (a room has its chat topic; presence rides on it) are what is left
    expect(after.followedTopics).toBeLessThanOrEqual(2)
    expect(after.quietTopics).toBe(0)
  }, 60_000)
})

/** Resolves once `done()` holds, checked on the room's events (and every 100 ms); fails after `ms`. */
async function until (room: Room, done: () => boolean, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${done.toString()}`)
    await new Promise<void>(resolve => {
      const t = setTimeout(finish, 100)
      function finish (): void {
        clearTimeout(t)
        room.removeEventListener('message:added', finish)
        room.removeEventListener('members:changed', finish)
        resolve()
      }
      room.addEventListener('message:added', finish)
      room.addEventListener('members:changed', finish)
    })
  }
}

async function drain (source: AsyncIterable<unknown>): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for await (const _ of source) ;
}

/** A stock kad-dht client (Peerlink's DHT protocol id) connected to the relay, the DHT's only server. */
async function dhtClient (relay: RelayProcess) {
  return (await dhtNode(relay.addr('tcp'), true)).client
}

/** A stock libp2p node with kad-dht (Peerlink's DHT protocol id) and a ping allowing 8 streams, dialled to `addr` and identified. */
async function dhtNode (addr: string, clientMode: boolean) {
  const client = await createLibp2p({
    // a provider record needs an address of the provider's
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      identify: identify(),
      ping: ping({ maxOutboundStreams: 8 }),
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode, peerInfoMapper: passthroughMapper })
    }
  })
  stoppers.push(async () => client.stop())
  const identified = new Promise(resolve => { client.addEventListener('peer:identify', resolve, { once: true }) })
  const connection = await client.dial(multiaddr(addr))
  await identified
  return { client, connection }
}

/**
 * CIDs nobody else provides: RSA peer IDs' (a sha256 multihash; kad-dht sends a CID's multihash as the key and
 * the relay decodes it as a CID, which an Ed25519 peer ID's identity multihash is not).
 */
async function cids (n: number): Promise<Array<ReturnType<PeerId['toCID']>>> {
  return Promise.all(Array.from({ length: n }, async () => parsePeerId(peerIdOf(await generateKeyPair('RSA', 1024))).toCID()))
}

/** Provider record files in the relay's datastore. */
async function recordsOnDisk (relay: RelayProcess): Promise<number> {
  const dir = join(relay.dataDir, 'datastore', 'dht', 'provider')
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter(e => e.isFile()).length
}

async function providersOf (client: Awaited<ReturnType<typeof dhtClient>>, cid: ReturnType<PeerId['toCID']>): Promise<string[]> {
  const found: string[] = []
  try {
    for await (const p of client.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(5000) })) found.push(p.id.toString())
  } catch {
    // none found (the query ends with an error when no peer knows a provider)
  }
  return found
}

describe('kad-dht provider records', () => {
  it('are bounded per peer and in all, expire by --provider-ttl, and expired ones do not survive a restart', async () => {
    const TTL = 6000
    const args = ['--max-providers-per-peer', '5', '--max-provider-records', '12', '--provider-ttl', String(TTL)]
    let relay = await relayWith(args)
    // 3 peers × 8 records each: 5 per peer are kept, 12 in all
    const providers = await Promise.all([0, 1, 2].map(async () => dhtClient(relay)))
    // ready before the records go in: its lookup must come well within the TTL of the first record (on a
    // busy machine, starting a client after the provides took longer than the TTL)
    const seeker = await dhtClient(relay)
    const keys = await Promise.all(providers.map(async () => cids(8)))
    await Promise.all(providers.map(async (client, i) => {
      for (const cid of keys[i]!) await client.contentRouting.provide(cid, { signal: AbortSignal.timeout(10_000) })
    }))
    // ADD_PROVIDER has no answer: provide() is done once sent, so wait for the relay to have taken all 24
    const bounded = await healthzUntil(relay.http, h => h.providerRecords + h.providerRecordsDropped >= 24, { ms: 10_000 })
    // every record the relay holds was taken by now (the provides themselves can take seconds on a busy machine)
    const takenBy = Date.now()
    const served = await providersOf(seeker, keys[0]![0]!)
    const onDisk = await recordsOnDisk(relay)
    console.log('provider records: 3 peers × 8 ADD_PROVIDER, max 5 per peer and 12 in all: %d held, %d on disk, %d refused; a kept record is served: %s',
      bounded.providerRecords, onDisk, bounded.providerRecordsDropped, served.includes(providers[0]!.peerId.toString()))
    expect(bounded.providerRecords).toBe(12)
    expect(onDisk).toBe(12)
    expect(bounded.providerRecordsDropped).toBe(12)
    expect(served).toContain(providers[0]!.peerId.toString())

    // stop the relay with its records fresh; restart it once they are older than the TTL
    await Promise.all([...providers, seeker].map(async c => c.stop()))
    await relay.stop()
    relays.splice(relays.indexOf(relay), 1)
    await new Promise(resolve => setTimeout(resolve, Math.max(0, takenBy + TTL + 200 - Date.now())))
    expect(await recordsOnDisk(relay)).toBe(12)
    relay = await relayWith(args, { dataDir: relay.dataDir })
    const restarted = { held: (await healthz(relay.http)).providerRecords, onDisk: await recordsOnDisk(relay) }

    // while running: a record older than the TTL is no longer served, and is deleted
    const [provider, seeker2] = [await dhtClient(relay), await dhtClient(relay)]
    const [cid] = await cids(1)
    await provider.contentRouting.provide(cid!, { signal: AbortSignal.timeout(10_000) })
    const fresh = await providersOf(seeker2, cid!)
    const freshOnDisk = await recordsOnDisk(relay)
    await healthzUntil(relay.http, h => h.providerRecords === 0, { ms: TTL + TTL / 4 + 5000, every: 200 })
    const stale = await providersOf(seeker2, cid!)
    const staleOnDisk = await recordsOnDisk(relay)
    console.log('provider records, TTL %d ms: after a restart past the TTL %o; a new record is served (%s, %d on disk), after the TTL served %s, %d on disk',
      TTL, restarted, fresh.includes(provider.peerId.toString()), freshOnDisk, stale.includes(provider.peerId.toString()), staleOnDisk)
    expect(restarted).toEqual({ held: 0, onDisk: 0 })
    expect(fresh).toContain(provider.peerId.toString())
    expect(freshOnDisk).toBe(1)
    expect(stale).not.toContain(provider.peerId.toString())
    expect(staleOnDisk).toBe(0)
  }, 60_000)
})

describe('stopping', () => {
  it('answers /healthz with 503 "stopping" during the --stop-drain and refuses reservations, then exits', async () => {
    const DRAIN = 2000
    const relay = await relayWith(['--stop-drain', String(DRAIN)])
    const exited = new Promise<number | null>(resolve => relay.process.once('exit', code => { resolve(code) }))
    const signalled = performance.now()
    relay.process.kill('SIGTERM')
    const stopping = await healthzUntil(relay.http, h => h.status === 'stopping', { ms: DRAIN, every: 20 })
    const sawStoppingMs = performance.now() - signalled
    const { httpStatus } = await healthz(relay.http)
    // a client asking for a reservation during the drain is refused
    const late = await stockClient()
    stoppers.push(async () => late.stop())
    await late.dial(multiaddr(relay.addr('tcp')))
    const refused = await healthzUntil(relay.http, h => h.reservationsRefused >= 1, { ms: DRAIN, every: 20 })
    const code = await exited
    const exitMs = performance.now() - signalled
    console.log('stop drain %d ms: /healthz %d %s after %d ms; a reservation during the drain refused (%d refused, %d held); exit %s after %d ms',
      DRAIN, httpStatus, stopping.status, Math.round(sawStoppingMs), refused.reservationsRefused, refused.reservations, String(code), Math.round(exitMs))
    expect(httpStatus).toBe(503)
    expect(refused.reservations).toBe(0)
    expect(code).toBe(0)
    expect(exitMs).toBeGreaterThanOrEqual(DRAIN)
  })
})

describe('the relay\'s ping', () => {
  /** 8 pings at once from a client whose own ping allows 8 streams, while its DHT queries run. */
  async function pingBurst (target: { peerId: string, addr: string }): Promise<{ ok: number, errors: string[] }> {
    const { client, connection } = await dhtNode(target.addr, false)
    // the DHT busy: queries in a loop until the pings are done
    const busy = new AbortController()
    const queries = (async () => {
      while (!busy.signal.aborted) {
        const [cid] = await cids(1)
        const query = client.services.dht.getClosestPeers(cid!.multihash.bytes, { signal: busy.signal })
        // only the load matters: the query's events and its end (an abort once the pings are done) are not
        await drain(query).catch(() => {})
      }
    })()
    const results = await Promise.allSettled(Array.from({ length: 8 }, async () => client.services.ping.ping(connection.remotePeer, { signal: AbortSignal.timeout(5000) })))
    busy.abort()
    await queries
    await client.stop()
    return { ok: results.filter(r => r.status === 'fulfilled').length, errors: results.flatMap(r => r.status === 'rejected' ? [(r.reason as Error).name] : []) }
  }

  it('answers 8 pings at once while the DHT is busy (a node with @libp2p/ping\'s defaults does not)', async () => {
    // the reproduction: the relay's services as they were, with ping's defaults (2 inbound streams per connection)
    const old = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: () => false },
      services: { identify: identify(), ping: ping(), dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true }) }
    })
    stoppers.push(async () => old.stop())
    const before = await pingBurst({ peerId: old.peerId.toString(), addr: old.getMultiaddrs()[0]!.toString() })
    const relay = await relayWith([])
    const rounds = []
    for (let i = 0; i < 3; i++) rounds.push(await pingBurst({ peerId: relay.peerId, addr: relay.addr('tcp') }))
    console.log('8 pings at once while the DHT is busy: ping defaults %d/8 (%s); the relay %s', before.ok, before.errors.join(', '), rounds.map(r => `${r.ok}/8${r.errors.length > 0 ? ` (${r.errors.join(', ')})` : ''}`).join(', '))
    expect(before.ok).toBeLessThan(8)
    for (const round of rounds) expect(round).toEqual({ ok: 8, errors: [] })
  }, 60_000)
})
