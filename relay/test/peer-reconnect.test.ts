/**
 * The Node variant of @peerlink/core's peer against a real relay process:
 * it connects, gets a reservation, reports the relay lost when the relay
 * stops, and reconnects on its own when the relay comes back.
 */
import { createPeer, loadOrCreateIdentity, MemoryKeyStore, parseRelayList, type Peerlink, type PeerlinkEvents } from '@peerlink/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { freePort, startRelay, type RelayProcess } from './support/relay-process.js'

async function nextEvent<K extends keyof PeerlinkEvents> (peer: Peerlink, type: K): Promise<PeerlinkEvents[K]['detail']> {
  return new Promise(resolve => {
    peer.addEventListener(type, (evt) => { resolve(evt.detail) }, { once: true })
  })
}

describe('a Peerlink peer (Node variant)', () => {
  const cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn()
  })

  it('reserves on its relay, and reconnects when the relay restarts', async () => {
    const ports = ['--ws-port', String(await freePort()), '--webrtc-port', String(await freePort()), '--tcp-port', String(await freePort()), '--http-port', String(await freePort())]
    let relay: RelayProcess = await startRelay(ports)
    cleanup.push(async () => relay.stop())

    const { relays } = parseRelayList(relay.infoUrl)
    const peer = await createPeer({
      privateKey: await loadOrCreateIdentity(new MemoryKeyStore()),
      relays,
      relayBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 }
    })
    cleanup.push(async () => peer.stop())

    const reserved = await (peer.relays()[0]?.state === 'reserved' ? peer.relays()[0] : nextEvent(peer, 'relay:reserved'))
    expect(reserved).toMatchObject({ input: relay.infoUrl, peerId: relay.peerId, state: 'reserved' })
    expect(peer.addresses().some(a => a.includes(`/p2p/${relay.peerId}/p2p-circuit`))).toBe(true)
    // the reservation's expiry, as the relay granted it (its default lifetime: two hours)
    await vi.waitFor(() => { expect(peer.relays()[0]?.reservationExpiresAt).toBeGreaterThan(Date.now()) })
    expect(peer.relays()[0]?.reservationExpiresAt).toBeLessThanOrEqual(Date.now() + 2 * 3600_000 + 60_000)

    const lost = nextEvent(peer, 'relay:lost')
    await relay.stop()
    const gone = await lost
    expect(gone).toMatchObject({ peerId: relay.peerId, state: 'disconnected' })
    expect(gone.reservationExpiresAt).toBeUndefined()

    const again = nextEvent(peer, 'relay:reserved')
    relay = await startRelay(ports, { dataDir: relay.dataDir })
    expect(await again).toMatchObject({ peerId: relay.peerId, state: 'reserved' })
  }, 30_000)

  it('finds a peer through a restarted relay, which remembers no peer, also when it knew the peer before', async () => {
    const ports = ['--ws-port', String(await freePort()), '--webrtc-port', String(await freePort()), '--tcp-port', String(await freePort()), '--http-port', String(await freePort())]
    let relay: RelayProcess = await startRelay(ports)
    cleanup.push(async () => relay.stop())
    const { relays } = parseRelayList(relay.infoUrl)
    // relayed connections only: WebRTC between two Node peers does not connect on loopback
    const start = async (): Promise<Peerlink> => {
      const p = await createPeer({ privateKey: await loadOrCreateIdentity(new MemoryKeyStore()), relays, webrtc: false, relayBackoff: { initialMs: 100, maxMs: 1000, jitter: 0 } })
      cleanup.push(async () => p.stop())
      if (p.relays()[0]?.state !== 'reserved') await nextEvent(p, 'relay:reserved')
      return p
    }
    const ann = await start()
    const bob = await start()
    expect((await ann.connectToPeer(bob.peerId, { signal: AbortSignal.timeout(15_000) })).remotePeer).toBe(bob.peerId)

    // the relay restarts: the relayed connection is gone with it
    const back = Promise.all([ann, bob].map(async p => nextEvent(p, 'relay:reserved')))
    await relay.stop()
    relay = await startRelay(ports, { dataDir: relay.dataDir })
    await back
    await vi.waitFor(() => { expect(ann.peers().some(p => p.peerId === bob.peerId)).toBe(false) })
    // as a browser's did after Bob reloaded during the outage: Bob known, with no address (kad-dht answers a
    // lookup from such a record, with no address, unless told not to)
    await ann.libp2p.peerStore.patch(bob.libp2p.peerId, { multiaddrs: [] })
    expect((await ann.connectToPeer(bob.peerId, { signal: AbortSignal.timeout(15_000) })).remotePeer).toBe(bob.peerId)
    // and a peer that never knew Bob finds him too
    const cat = await start()
    expect((await cat.connectToPeer(bob.peerId, { signal: AbortSignal.timeout(15_000) })).remotePeer).toBe(bob.peerId)
  }, 60_000)

  it('reports a relay it cannot reach as an error and keeps retrying', async () => {
    const port = await freePort()
    const { relays } = parseRelayList(`http://127.0.0.1:${port}/relay.json`)
    const peer = await createPeer({
      privateKey: await loadOrCreateIdentity(new MemoryKeyStore()),
      relays,
      relayBackoff: { initialMs: 50, maxMs: 100, jitter: 0 }
    })
    cleanup.push(async () => peer.stop())
    const first = await nextEvent(peer, 'relay:error')
    expect(first.state).toBe('disconnected')
    expect(first.error).toMatch(/could not fetch/)
    const second = await nextEvent(peer, 'relay:error')
    expect(second.input).toBe(first.input)
  })
})
