import { describe, expect, it } from 'vitest'
import { backoffDelay, DEFAULT_BACKOFF, sleep } from '../src/connectivity/backoff.js'
import { transportOf } from '../src/connectivity/connection-info.js'
import { multiaddr } from '@multiformats/multiaddr'

describe('backoff', () => {
  const options = { initialMs: 500, maxMs: 30_000, jitter: 0.3 }

  it('doubles from the initial delay up to the cap', () => {
    expect([0, 1, 2, 3, 6, 7, 50].map(n => backoffDelay(n, options, () => 0))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000])
  })

  it('takes off at most the jitter share', () => {
    expect(backoffDelay(2, options, () => 1)).toBe(1400)
    expect(backoffDelay(2, options, () => 0.5)).toBe(1700)
  })

  it('spreads the relay keeper\'s retries over half of each step, so peers that lost a relay together do not return together', () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(4000)
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 1)).toBe(2000)
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 1)).toBe(15_000)
  })

  it('sleep stops early with the abort reason', async () => {
    const controller = new AbortController()
    const pending = sleep(60_000, { signal: controller.signal })
    controller.abort(new Error('stopped'))
    await expect(pending).rejects.toThrow('stopped')
  })
})

describe('transport names', () => {
  const id = '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4'
  it.each([
    [`/ip4/127.0.0.1/tcp/9001/ws/p2p/${id}`, 'websockets'],
    [`/dns4/relay.example/tcp/443/wss/p2p/${id}`, 'websockets'],
    [`/ip4/127.0.0.1/udp/9002/webrtc-direct/certhash/uEiApaFAdpo34SjiGE_G4zMVlLhRnYJkct-iITgn91k_P4Q/p2p/${id}`, 'webrtc-direct'],
    [`/ip4/127.0.0.1/tcp/9001/ws/p2p/${id}/p2p-circuit/webrtc/p2p/${id}`, 'webrtc'],
    [`/ip4/127.0.0.1/tcp/9001/ws/p2p/${id}/p2p-circuit/p2p/${id}`, 'circuit-relay'],
    [`/ip4/127.0.0.1/udp/4001/quic-v1/webtransport/p2p/${id}`, 'webtransport'],
    [`/ip4/127.0.0.1/tcp/9003/p2p/${id}`, 'tcp']
  ])('%s is %s', (addr, name) => {
    expect(transportOf(multiaddr(addr))).toBe(name)
  })
})
