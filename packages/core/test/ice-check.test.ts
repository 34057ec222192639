/**
 * Checking ICE servers: the state each browser report maps to (the reports
 * below are Chromium's, as measured against coturn on loopback), credential
 * expiry from the `<expiry>:` username prefix, checkIceServers driving an
 * RTCPeerConnection (a scripted stand-in: the real one is exercised in
 * e2e/tests/ice-faults.spec.ts), and RelayIceServers checking what it records.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { turnCredential, type IceServerEntry } from '../src/config/ice-servers.js'
import { parseRelayInfo } from '../src/config/relay-info.js'
import { checkIceServers, credentialExpired, ICE_CHECK_CHANNEL, iceCheckOutcome, iceErrorState, iceUrlKey, type IceObservation, type IceServerCheck, type PeerConnectionConstructor } from '../src/connectivity/ice-check.js'
import { RelayIceServers } from '../src/connectivity/relay-ice.js'

const TURN = 'turn:127.0.0.1:3478?transport=udp'
const STUN = 'stun:127.0.0.1:3478'

describe('iceErrorState', () => {
  it.each([
    [401, 'credentials-refused'], [403, 'credentials-refused'], [701, 'unreachable'],
    [400, 'failed'], [437, 'failed'], [486, 'failed'], [508, 'failed'], [600, 'failed']
  ] as const)('%d is %s', (code, state) => {
    expect(iceErrorState(code)).toBe(state)
  })
})

describe('credentialExpired', () => {
  const now = Date.UTC(2026, 0, 1) // 1767225600 s
  it('is true when the username\'s <expiry>: prefix is at or before now', () => {
    expect(credentialExpired({ urls: [TURN], username: '1767225599:peer', credential: 'c' }, now)).toBe(true)
    expect(credentialExpired({ urls: [TURN], username: '1767225600:peer', credential: 'c' }, now)).toBe(true)
    expect(credentialExpired({ urls: [TURN], ...turnCredential('secret', 'peer', 60, now - 61_000) }, now)).toBe(true)
  })

  it('is false for a future expiry, a username without one, and STUN without credentials', () => {
    expect(credentialExpired({ urls: [TURN], username: '1767225601:peer', credential: 'c' }, now)).toBe(false)
    expect(credentialExpired({ ...turnCredential('secret', 'peer', 3600, now), urls: [TURN] }, now)).toBe(false)
    expect(credentialExpired({ urls: [TURN], username: 'alice', credential: 'c' }, now)).toBe(false)
    expect(credentialExpired({ urls: [TURN], username: 'x1767225599:peer', credential: 'c' }, now)).toBe(false)
    expect(credentialExpired({ urls: [STUN] }, now)).toBe(false)
  })
})

describe('iceUrlKey', () => {
  it('makes the default port and transport explicit, as Chromium names servers back', () => {
    expect(iceUrlKey('turn:127.0.0.1')).toBe('turn:127.0.0.1:3478?transport=udp')
    expect(iceUrlKey('turn:127.0.0.1:3478')).toBe(iceUrlKey(TURN))
    expect(iceUrlKey('TURN:Turn.Example.ORG:3478?transport=tcp')).toBe('turn:turn.example.org:3478?transport=tcp')
    expect(iceUrlKey('turns:turn.example.org')).toBe('turns:turn.example.org:5349?transport=tcp')
    expect(iceUrlKey('stun:h')).toBe('stun:h:3478')
    expect(iceUrlKey('stuns:h')).toBe('stuns:h:5349')
    expect(iceUrlKey('stun:[2001:db8::1]:3479')).toBe('stun:[2001:db8::1]:3479')
  })

  it('tells UDP from TCP and STUN from TURN', () => {
    expect(iceUrlKey('turn:h:3478?transport=tcp')).not.toBe(iceUrlKey('turn:h:3478'))
    expect(iceUrlKey('stun:h:3478')).not.toBe(iceUrlKey('turn:h:3478'))
  })

  it('is undefined for anything else', () => {
    for (const url of [undefined, null, '', 'http://h', 'turn:', 'turn:h:3478?transport=sctp']) expect(iceUrlKey(url)).toBeUndefined()
  })
})

describe('iceCheckOutcome (Chromium\'s reports)', () => {
  const host: IceObservation = { type: 'host', url: '' }

  it('a relay candidate from a TURN server is ok', () => {
    const seen = [host, { type: 'relay', url: TURN }]
    expect(iceCheckOutcome(TURN, seen, 'complete')).toEqual({ url: TURN, state: 'ok' })
    // configured without ?transport, named back with it
    expect(iceCheckOutcome('turn:127.0.0.1:3478', seen, 'complete').state).toBe('ok')
  })

  it('401 from a TURN server (wrong secret, expired username) is credentials-refused', () => {
    const seen = [host, { url: TURN, errorCode: 401, errorText: 'Unauthorized.' }]
    expect(iceCheckOutcome(TURN, seen, 'complete')).toEqual({ url: TURN, state: 'credentials-refused', errorCode: 401, detail: '401 Unauthorized.' })
  })

  it('701 where nothing listens is unreachable (UDP: allocate timed out; TCP: connection failed)', () => {
    const udp = 'turn:127.0.0.1:3999?transport=udp'
    const seen = [host,
      { url: 'stun:127.0.0.1:3999', errorCode: 701, errorText: 'STUN binding request timed out.' },
      { url: udp, errorCode: 701, errorText: 'TURN allocate request timed out.' }]
    expect(iceCheckOutcome(udp, seen, 'complete')).toMatchObject({ state: 'unreachable', errorCode: 701, detail: '701 TURN allocate request timed out.' })
    const tcp = 'turn:127.0.0.1:3999?transport=tcp'
    expect(iceCheckOutcome(tcp, [{ url: tcp, errorCode: 701, errorText: 'Failed to establish connection' }], 'complete').state).toBe('unreachable')
    expect(iceCheckOutcome('stun:127.0.0.1:3999', seen, 'complete').state).toBe('unreachable')
  })

  it('an answer with an error wins over a 701 of another attempt; other codes are failed', () => {
    const seen = [{ url: TURN, errorCode: 701 }, { url: TURN, errorCode: 486, errorText: 'Allocation Quota Reached' }]
    expect(iceCheckOutcome(TURN, seen, 'complete')).toMatchObject({ state: 'failed', errorCode: 486 })
  })

  it('a STUN server gives no new candidate on a network without NAT: gathering complete without error is ok', () => {
    expect(iceCheckOutcome(STUN, [host], 'complete').state).toBe('ok')
    expect(iceCheckOutcome(STUN, [host, { type: 'srflx', url: STUN }], 'timeout').state).toBe('ok')
  })

  it('nothing heard before the timeout is unreachable; a TURN server with no relay candidate too', () => {
    expect(iceCheckOutcome(STUN, [host], 'timeout', 45_000)).toEqual({ url: STUN, state: 'unreachable', detail: 'no answer within 45 s' })
    expect(iceCheckOutcome(TURN, [host], 'complete')).toMatchObject({ state: 'unreachable' })
  })

  it('reports about other servers do not count', () => {
    const other = 'turn:127.0.0.2:3478?transport=udp'
    expect(iceCheckOutcome(TURN, [{ url: other, errorCode: 401 }, { type: 'relay', url: other }], 'complete').state).toBe('unreachable')
    expect(iceCheckOutcome(STUN, [{ url: 'stun:127.0.0.1:3479', errorCode: 701 }], 'complete').state).toBe('ok')
  })
})

/** What a scripted peer connection emits once its offer is set: candidates, errors, then (unless `hang`) gathering complete. */
interface Script { events: IceObservation[], hang?: boolean }

function fakePeerConnection (script: (config: RTCConfiguration) => Script) {
  const made: Array<{ config: RTCConfiguration, channels: string[], closed: boolean }> = []
  class FakePc extends EventTarget {
    iceGatheringState = 'new'
    readonly record: { config: RTCConfiguration, channels: string[], closed: boolean }
    constructor (readonly config: RTCConfiguration = {}) {
      super()
      this.record = { config, channels: [], closed: false }
      made.push(this.record)
    }

    createDataChannel (label: string): void { this.record.channels.push(label) }
    async createOffer (): Promise<RTCSessionDescriptionInit> { return { type: 'offer', sdp: '' } }
    async setLocalDescription (): Promise<void> {
      const { events, hang } = script(this.config)
      setTimeout(() => {
        if (this.record.closed) return
        for (const o of events) {
          if (o.errorCode != null) this.dispatchEvent(Object.assign(new Event('icecandidateerror'), { url: o.url, errorCode: o.errorCode, errorText: o.errorText ?? '' }))
          else this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { type: o.type, url: o.url } }))
        }
        if (hang === true) return
        this.iceGatheringState = 'complete'
        this.dispatchEvent(new Event('icegatheringstatechange'))
        this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }))
      }, 1)
    }

    close (): void { this.record.closed = true }
  }
  return { Pc: FakePc as unknown as PeerConnectionConstructor, made }
}

describe('checkIceServers', () => {
  const now = Date.now()
  const fresh = turnCredential('secret', 'peer', 3600, now)
  const turnEntry: IceServerEntry = { urls: [TURN, 'turn:127.0.0.1:3478?transport=tcp'], username: fresh.username, credential: fresh.credential }

  it('one RTCPeerConnection with exactly those servers, policy all, a data channel; closed after; a state per URL, no credential in it', async () => {
    const { Pc, made } = fakePeerConnection(() => ({
      events: [{ type: 'host', url: '' }, { type: 'relay', url: 'turn:127.0.0.1:3478?transport=tcp' }, { url: TURN, errorCode: 401, errorText: 'Unauthorized.' }]
    }))
    const results = await checkIceServers([{ urls: [STUN] }, turnEntry], { RTCPeerConnection: Pc, now })
    expect(made).toHaveLength(1)
    expect(made[0]?.config).toEqual({ iceServers: [{ urls: [STUN] }, turnEntry], iceTransportPolicy: 'all' })
    expect(made[0]?.channels).toEqual([ICE_CHECK_CHANNEL])
    expect(made[0]?.closed).toBe(true)
    expect(results).toEqual<IceServerCheck[]>([
      { url: STUN, state: 'ok' },
      { url: TURN, state: 'credentials-refused', errorCode: 401, detail: '401 Unauthorized.' },
      { url: 'turn:127.0.0.1:3478?transport=tcp', state: 'ok' }
    ])
    expect(JSON.stringify(results)).not.toContain(fresh.credential)
    expect(JSON.stringify(results)).not.toContain(fresh.username)
  })

  it('credentials already expired by our clock are expired without any contact', async () => {
    const { Pc, made } = fakePeerConnection(() => ({ events: [] }))
    const old = turnCredential('secret', 'peer', 60, now - 120_000)
    const results = await checkIceServers([{ urls: [TURN], ...old }], { RTCPeerConnection: Pc, now })
    expect(made).toHaveLength(0)
    expect(results).toEqual([{ url: TURN, state: 'expired', detail: `already at ${new Date(old.expires * 1000).toISOString()} by this device's clock: the relay's clock or this one is wrong` }])
  })

  it('without an RTCPeerConnection (Node) every URL is unchecked', async () => {
    const results = await checkIceServers([{ urls: [STUN] }, turnEntry], { now })
    expect(results.map(r => r.state)).toEqual(['unchecked', 'unchecked', 'unchecked'])
  })

  it('gathering that does not complete in time leaves unanswered servers unreachable', async () => {
    const { Pc, made } = fakePeerConnection(() => ({ events: [{ type: 'host', url: '' }], hang: true }))
    const results = await checkIceServers([{ urls: [STUN] }], { RTCPeerConnection: Pc, timeoutMs: 20 })
    expect(results).toEqual([{ url: STUN, state: 'unreachable', detail: 'no answer within 0 s' }])
    expect(made[0]?.closed).toBe(true)
  })

  it('rejects when aborted, and closes its connection', async () => {
    const { Pc, made } = fakePeerConnection(() => ({ events: [], hang: true }))
    const controller = new AbortController()
    const checking = checkIceServers([{ urls: [STUN] }], { RTCPeerConnection: Pc, signal: controller.signal })
    setTimeout(() => { controller.abort(new Error('stop')) }, 10)
    await expect(checking).rejects.toThrow('stop')
    expect(made[0]?.closed).toBe(true)
  })

  it('a configuration the browser refuses makes its URLs failed', async () => {
    const Throwing = class { constructor () { throw new DOMException('bad ICE server', 'SyntaxError') } } as unknown as PeerConnectionConstructor
    const results = await checkIceServers([{ urls: [STUN] }], { RTCPeerConnection: Throwing })
    expect(results).toEqual([{ url: STUN, state: 'failed', detail: 'SyntaxError: bad ICE server' }])
  })
})

const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()

describe('RelayIceServers checks what it records', () => {
  const url = 'https://relay.example/relay.json'
  const info = (iceServers: unknown, ttl = 3600) => parseRelayInfo({ peerId: relayId, multiaddrs: [`/dns4/relay.example/tcp/443/tls/ws/p2p/${relayId}`], iceServers, iceServersTtl: ttl })

  it('says checking, then each server\'s state with its relay, malformed entries included; ice:checked carries no credential', async () => {
    const { username, credential } = turnCredential('secret', 'peer', 3600)
    const cred = { username, credential }
    let finish: (results: IceServerCheck[]) => void = () => {}
    const servers: IceServerEntry[][] = []
    const ice = new RelayIceServers({
      urls: [url],
      checkServers: async (list) => { servers.push(list); return new Promise(resolve => { finish = resolve }) }
    })
    ice.start()
    const checked = new Promise<CustomEvent>(resolve => { ice.addEventListener('ice:checked', resolve, { once: true }) })
    ice.record(url, info([{ urls: [TURN], ...cred }, { urls: ['http://relay.example'] }, { urls: 'turn:relay.example', username: 'u' }]))
    expect(servers).toEqual([[{ urls: [TURN], ...cred }]])
    expect(ice.status().map(s => [s.url, s.state])).toEqual([
      [TURN, 'checking'], [undefined, 'malformed'], [undefined, 'malformed']
    ])
    finish([{ url: TURN, state: 'credentials-refused', errorCode: 401, detail: '401 Unauthorized.' }])
    const evt = await checked
    expect(evt.detail).toEqual(ice.status())
    expect(ice.status()).toMatchObject([
      { relay: url, url: TURN, state: 'credentials-refused', errorCode: 401 },
      { relay: url, state: 'malformed', detail: 'iceServers[1]: ICE server URL "http://relay.example" is not a stun:, stuns:, turn: or turns: URL' },
      { relay: url, state: 'malformed', detail: 'iceServers[2]: is a TURN server without a credential' }
    ])
    expect(JSON.stringify(evt.detail)).not.toContain(cred.credential)
    expect(JSON.stringify(evt.detail)).not.toContain(cred.username)
    ice.stop()
  })

  it('a newer record supersedes a check under way; stop aborts it', async () => {
    const signals: AbortSignal[] = []
    const ice = new RelayIceServers({
      urls: [url],
      checkServers: async (list, options) => {
        signals.push(options.signal!)
        return new Promise((resolve, reject) => {
          options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) })
          if (signals.length === 2) resolve(list.flatMap(s => s.urls).map(u => ({ url: u, state: 'ok' as const })))
        })
      }
    })
    ice.start()
    const checked = new Promise<void>(resolve => { ice.addEventListener('ice:checked', () => { resolve() }, { once: true }) })
    ice.record(url, info([{ urls: [STUN] }]))
    ice.record(url, info([{ urls: ['stun:127.0.0.1:3479'] }]))
    await checked
    expect(signals[0]?.aborted).toBe(true)
    expect(ice.status().map(s => [s.url, s.state])).toEqual([['stun:127.0.0.1:3479', 'ok']])
    ice.record(url, info([{ urls: [STUN] }]))
    ice.stop()
    expect(signals[2]?.aborted).toBe(true)
  })

  it('contacts nothing when not used (the user\'s own servers win): unchecked', async () => {
    let calls = 0
    const ice = new RelayIceServers({ urls: [url], check: false, checkServers: async () => { calls++; return [] } })
    ice.start()
    ice.record(url, info([{ urls: [STUN] }]))
    expect(calls).toBe(0)
    expect(ice.status()).toMatchObject([{ relay: url, url: STUN, state: 'unchecked', detail: 'your own ICE servers are used instead' }])
    ice.stop()
  })

  it('credentials that expire after their check say expired', async () => {
    const fetchedAt = Date.now()
    const cred = turnCredential('secret', 'peer', 60, fetchedAt)
    const ice = new RelayIceServers({ urls: [url], checkServers: async list => list.flatMap(s => s.urls).map(u => ({ url: u, state: 'ok' as const })) })
    ice.start()
    const checked = new Promise<void>(resolve => { ice.addEventListener('ice:checked', () => { resolve() }, { once: true }) })
    ice.record(url, info([{ urls: [TURN], ...cred }], 60), fetchedAt)
    await checked
    expect(ice.status(fetchedAt + 1000)[0]?.state).toBe('ok')
    expect(ice.status(fetchedAt + 61_000)[0]).toMatchObject({ url: TURN, state: 'expired' })
    ice.stop()
  })
})
