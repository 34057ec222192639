/**
 * ICE servers from relays: coturn shared-secret credentials, the ICE URL
 * checks, parseRelayInfo's `iceServers` field, and RelayIceServers (taking
 * them from fetched documents, refreshing before expiry, and contacting
 * nothing when no relay advertises any).
 */
import { createHmac } from 'node:crypto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { afterEach, describe, expect, it } from 'vitest'
import { parseIceUrl, parseRelayIceServers, RelayIceServerError, turnCredential, turnUsernameExpiry } from '../src/config/ice-servers.js'
import { parseRelayInfo, type ParsedRelayInfo } from '../src/config/relay-info.js'
import { RelayIceServers } from '../src/connectivity/relay-ice.js'

const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const multiaddrs = [`/dns4/relay.example/tcp/443/tls/ws/p2p/${relayId}`]

describe('turnCredential (coturn --use-auth-secret)', () => {
  it('username is <expiry>:<name>, credential base64(HMAC-SHA1(secret, username)), as coturn computes it', () => {
    const now = Date.UTC(2026, 0, 1) // 1767225600 s
    const { username, credential, expires } = turnCredential('north-secret', 'peer1', 3600, now)
    expect(expires).toBe(1767225600 + 3600)
    expect(username).toBe('1767229200:peer1')
    expect(credential).toBe(createHmac('sha1', 'north-secret').update(username).digest('base64'))
    expect(turnUsernameExpiry(username)).toBe(1767229200)
    // another secret or another username gives another credential
    expect(turnCredential('south-secret', 'peer1', 3600, now).credential).not.toBe(credential)
    expect(turnCredential('north-secret', 'peer2', 3600, now).credential).not.toBe(credential)
  })
})

describe('parseIceUrl', () => {
  it.each([
    'stun:198.51.100.1', 'stun:198.51.100.1:3478', 'stuns:stun.example.org:5349', 'stun:[2001:db8::1]:3478',
    'turn:198.51.100.1:3478?transport=udp', 'turn:198.51.100.1:3478?transport=tcp', 'turns:turn.example.org:5349', 'turn:turn.example.org'
  ])('accepts %s', url => {
    expect(parseIceUrl(url)).toBe(url)
  })

  it.each([
    'http://198.51.100.1', 'stun:', 'turn:', 'stun:host:0', 'stun:host:65536', 'turn:host?transport=sctp',
    'stun:host?transport=udp', 'turn:user@host', 'turn: host', 'turn:host:3478/path', 'stun:-host'
  ])('refuses %s with RelayIceServerError', url => {
    expect(() => parseIceUrl(url)).toThrow(RelayIceServerError)
  })

  it('a stun flag takes no turn URL and the reverse', () => {
    expect(() => parseIceUrl('turn:198.51.100.1', 'stun')).toThrow(/is not stun:/)
    expect(() => parseIceUrl('stun:198.51.100.1', 'turn')).toThrow(/is not turn:/)
  })
})

describe('parseRelayInfo: iceServers', () => {
  it('keeps valid STUN and TURN entries and the TTL', () => {
    const info = parseRelayInfo({
      peerId: relayId,
      multiaddrs,
      iceServers: [
        { urls: ['stun:198.51.100.1:3478'] },
        { urls: ['turn:198.51.100.1:3478?transport=udp', 'turn:198.51.100.1:3478?transport=tcp'], username: '1767229200:x', credential: 'c3VwZXI=' },
        { urls: 'turns:turn.example.org:5349', username: '1767229200:y', credential: 'Y3JlZA==' }
      ],
      iceServersTtl: 3600
    })
    expect(info.iceErrors).toEqual([])
    expect(info.iceServersTtl).toBe(3600)
    expect(info.iceServers).toEqual([
      { urls: ['stun:198.51.100.1:3478'] },
      { urls: ['turn:198.51.100.1:3478?transport=udp', 'turn:198.51.100.1:3478?transport=tcp'], username: '1767229200:x', credential: 'c3VwZXI=' },
      { urls: ['turns:turn.example.org:5349'], username: '1767229200:y', credential: 'Y3JlZA==' }
    ])
  })

  it('a document without the field: no ICE servers, no errors', () => {
    const info = parseRelayInfo({ peerId: relayId, multiaddrs })
    expect(info.iceServers).toEqual([])
    expect(info.iceErrors).toEqual([])
    expect(info.iceServersTtl).toBeUndefined()
  })

  it('leaves out malformed entries with a named error each (never showing a credential) and keeps the rest of the document', () => {
    const info = parseRelayInfo({
      peerId: relayId,
      multiaddrs,
      iceServers: [
        { urls: ['http://198.51.100.1'] },
        { urls: ['turn:198.51.100.1:3478'] }, // no credentials
        { urls: ['turn:198.51.100.1:3478'], username: 'u', credential: { secret: 'topsecret-value' } },
        'stun:198.51.100.1',
        { urls: [] },
        { urls: ['stun:198.51.100.2'] }
      ],
      iceServersTtl: -5
    })
    expect(info.multiaddrs.map(String)).toEqual(multiaddrs)
    expect(info.iceServers).toEqual([{ urls: ['stun:198.51.100.2'] }])
    expect(info.iceServersTtl).toBeUndefined()
    expect(info.iceErrors).toHaveLength(5)
    for (const err of info.iceErrors) {
      expect(err).toBeInstanceOf(RelayIceServerError)
      expect(err.name).toBe('RelayIceServerError')
      expect(err.message).not.toContain('topsecret')
    }
    expect(info.iceErrors.map(e => e.message)).toEqual([
      'iceServers[0]: ICE server URL "http://198.51.100.1" is not a stun:, stuns:, turn: or turns: URL',
      'iceServers[1]: is a TURN server without a username',
      'iceServers[2]: has an invalid credential',
      'iceServers[3]: not an object',
      'iceServers[4]: has no urls'
    ])
  })

  it('an iceServers field that is not a list is one error', () => {
    const { iceServers, errors } = parseRelayIceServers({ urls: 'stun:a' })
    expect(iceServers).toEqual([])
    expect(errors.map(e => e.message)).toEqual(['iceServers is not a list'])
  })
})

describe('RelayIceServers', () => {
  const URL_A = 'https://relay-a.example/relay.json'
  let ice: RelayIceServers | undefined
  afterEach(() => { ice?.stop() })

  /** A relay info document with TURN credentials valid `ttl` seconds, counting the fetches. */
  const relayDocs = (ttl: number): { fetchInfo: (url: string) => Promise<ParsedRelayInfo>, fetched: string[] } => {
    const fetched: string[] = []
    let n = 0
    return {
      fetched,
      fetchInfo: async (url: string) => {
        fetched.push(url)
        n++
        return parseRelayInfo({
          peerId: relayId,
          multiaddrs,
          iceServers: [{ urls: ['stun:198.51.100.1'] }, { urls: ['turn:198.51.100.1'], username: `${Math.floor(Date.now() / 1000) + ttl}:n${n}`, credential: `cred${n}` }],
          iceServersTtl: ttl
        })
      }
    }
  }

  it('with no relay info URL it returns no servers and fetches nothing (no third party is contacted)', async () => {
    const docs = relayDocs(60)
    ice = new RelayIceServers({ urls: [], fetchInfo: docs.fetchInfo })
    ice.start()
    expect(await ice.get()).toEqual([])
    expect(await ice.rtcConfiguration()()).toEqual({ iceServers: [] })
    expect(docs.fetched).toEqual([])
  })

  it('two relays advertising the same coturn give each server URL once, the first relay\'s credentials', async () => {
    const URL_B = 'https://relay-b.example/relay.json'
    const docs = relayDocs(600)
    ice = new RelayIceServers({ urls: [URL_A, URL_B], fetchInfo: docs.fetchInfo })
    ice.start()
    ice.record(URL_A, await docs.fetchInfo(URL_A))
    ice.record(URL_B, await docs.fetchInfo(URL_B))
    const servers = ice.current()
    expect(servers.map(s => s.urls)).toEqual([['stun:198.51.100.1'], ['turn:198.51.100.1']])
    expect(servers[1]?.credential).toBe('cred1')
  })

  it('a relay advertising nothing gives no servers and is not fetched again for them', async () => {
    const fetched: string[] = []
    ice = new RelayIceServers({ urls: [URL_A], fetchInfo: async (url) => { fetched.push(url); return parseRelayInfo({ peerId: relayId, multiaddrs }) } })
    ice.start()
    ice.record(URL_A, parseRelayInfo({ peerId: relayId, multiaddrs }))
    expect(await ice.get()).toEqual([])
    expect(fetched).toEqual([])
  })

  it('uses the recorded document until half its TTL, then fetches it again before handing out servers; expired ones are dropped', async () => {
    const docs = relayDocs(100)
    ice = new RelayIceServers({ urls: [URL_A], fetchInfo: docs.fetchInfo })
    ice.start()
    const first = await docs.fetchInfo(URL_A)
    const fetchedAt = Date.now()
    ice.record(URL_A, first, fetchedAt)
    expect((await ice.get())[1]?.username).toMatch(/:n1$/)
    expect(docs.fetched).toHaveLength(1)
    // recorded as fetched 60 s ago: past half of the 100 s TTL, so get() fetches first
    ice.record(URL_A, first, fetchedAt - 60_000)
    const refreshed = await ice.get()
    expect(docs.fetched).toHaveLength(2)
    expect(refreshed[1]?.username).toMatch(/:n2$/)
    // recorded as fetched 101 s ago and not refreshable: current() drops the expired TURN entry (and its STUN sibling from that document)
    const failing = new RelayIceServers({ urls: [URL_A], fetchInfo: async () => { throw new Error('relay down') } })
    failing.start()
    failing.record(URL_A, first, fetchedAt - 101_000)
    expect(await failing.get()).toEqual([])
    failing.stop()
  })

  it('refreshes on its own before the credentials expire', async () => {
    const docs = relayDocs(2) // refresh due after 1 s (the shortest wait)
    ice = new RelayIceServers({ urls: [URL_A], fetchInfo: docs.fetchInfo })
    ice.start()
    const refreshed = new Promise<void>(resolve => {
      const record = ice!.record.bind(ice)
      ice!.record = (url, info, at) => {
        record(url, info, at)
        if (info.iceServers[1]?.username?.endsWith(':n2') === true) resolve()
      }
    })
    ice.record(URL_A, await docs.fetchInfo(URL_A))
    await refreshed
    expect(docs.fetched).toHaveLength(2)
    expect(ice.current()[1]?.username).toMatch(/:n2$/)
  })
})
