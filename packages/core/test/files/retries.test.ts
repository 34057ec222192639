/**
 * A provider that failed is tried again by the download itself, soon and then
 * less often, and left to the next search for providers once the wait would
 * reach its interval. The bookkeeping alone, and a download whose first dial
 * to the only provider fails, on the in-memory network.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { PROVIDER_RETRY_MS, PROVIDER_SEARCH_INTERVAL_MS } from '../../src/files/transfer/constants.js'
import { ProviderRetries } from '../../src/files/transfer/retries.js'
import { blob, contents, data, peer, stopPeers, until } from '../support/files-network.js'

describe('ProviderRetries', () => {
  it('a failed provider is due after PROVIDER_RETRY_MS, then after twice as long; past the search interval only a search finds it', () => {
    const r = new ProviderRetries()
    expect(r.allowed('a', 0)).toBe(true)
    r.failed('a', 0)
    expect(r.allowed('a', PROVIDER_RETRY_MS - 1)).toBe(false)
    expect(r.due(PROVIDER_RETRY_MS - 1)).toEqual([])
    expect(r.due(PROVIDER_RETRY_MS)).toEqual(['a'])
    // due once per failure
    expect(r.due(PROVIDER_RETRY_MS)).toEqual([])
    r.failed('a', 10_000)
    expect(r.due(10_000 + 2 * PROVIDER_RETRY_MS - 1)).toEqual([])
    expect(r.due(10_000 + 2 * PROVIDER_RETRY_MS)).toEqual(['a'])
    // the waits double until one reaches the search interval: from then on it is not due by itself
    let now = 100_000
    for (let wait = 4 * PROVIDER_RETRY_MS; wait < PROVIDER_SEARCH_INTERVAL_MS; wait *= 2) {
      r.failed('a', now)
      now += wait
      expect(r.due(now)).toEqual(['a'])
    }
    r.failed('a', now)
    expect(r.due(now + 10 * PROVIDER_SEARCH_INTERVAL_MS)).toEqual([])
    // a search may still ask it once its wait is over
    expect(r.allowed('a', now + 10 * PROVIDER_SEARCH_INTERVAL_MS)).toBe(true)
  })

  it('a session that starts forgets the failures; a refusal waits without being a failure; a dropped provider is not due', () => {
    const r = new ProviderRetries()
    r.failed('a', 0)
    r.failed('a', 0)
    r.succeeded('a')
    r.failed('a', 0)
    expect(r.due(PROVIDER_RETRY_MS)).toEqual(['a'])
    r.later('b', 0)
    expect(r.allowed('b', PROVIDER_RETRY_MS - 1)).toBe(false)
    expect(r.due(PROVIDER_RETRY_MS)).toEqual([])
    r.clear('b')
    expect(r.allowed('b', 0)).toBe(true)
    r.failed('c', 0)
    r.forget('c')
    expect(r.due(PROVIDER_RETRY_MS)).toEqual([])
  })
})

afterEach(stopPeers)

describe('a download whose provider failed a moment ago', () => {
  it('tries the provider again by itself: the first dial fails, the download completes before a second search', async () => {
    const ann = await peer()
    const bob = await peer()
    const bytes = data(600_000)
    const { status, link } = await ann.files.share(blob(bytes, 'file.bin'))
    bob.libp2p.failDials = 1
    bob.files.download({ cid: status.cid, key: link.key, providers: [ann.id] })
    const done = await until(bob.files, status.cid, s => s.state === 'complete', PROVIDER_SEARCH_INTERVAL_MS + 5_000)
    expect(bob.libp2p.failDials).toBe(0)
    // the one search made when the download started found Ann (the link's hint); the next is PROVIDER_SEARCH_INTERVAL_MS away
    expect(bob.libp2p.searches).toBe(1)
    expect(done.sources).toEqual({ [ann.id]: done.totalBlocks })
    expect(await contents(status.cid, link.key, bob.chunks)).toEqual(bytes)
  })
})
