import { describe, expect, it } from 'vitest'
import { freePort, startRelay } from './support/relay-process.js'

describe('relay persistence', () => {
  it('keeps its PeerId and full multiaddrs, certhash included, across restarts', async () => {
    const ports = ['--ws-port', String(await freePort()), '--webrtc-port', String(await freePort()), '--tcp-port', String(await freePort())]
    const first = await startRelay(ports)
    expect(await first.stop(), first.output()).toBe(0)
    const second = await startRelay(ports, { dataDir: first.dataDir })
    try {
      expect(second.peerId).toBe(first.peerId)
      expect(second.multiaddrs).toEqual(first.multiaddrs)
      expect(second.addr('webrtc-direct')).toMatch(/\/certhash\/[^/]+\/p2p\//)
    } finally {
      expect(await second.stop(), second.output()).toBe(0)
    }
  })

  it('serves /healthz, /metrics and /relay.json on its HTTP port', async () => {
    const relay = await startRelay()
    try {
      const health = await fetch(`${relay.http}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toMatchObject({ status: 'ok', peerId: relay.peerId })

      const info = await fetch(relay.infoUrl)
      expect(info.headers.get('access-control-allow-origin')).toBe('*')
      expect(await info.json()).toEqual({ peerId: relay.peerId, multiaddrs: relay.multiaddrs })

      const metrics = await (await fetch(`${relay.http}/metrics`)).text()
      expect(metrics).toMatch(/^libp2p_/m)

      expect((await fetch(`${relay.http}/nope`)).status).toBe(404)
    } finally {
      await relay.stop()
    }
  })
})
