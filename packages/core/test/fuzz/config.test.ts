/**
 * Fuzzing the relay configuration decoders: a relay's info document
 * (`/relay.json`, parseRelayInfo on the parsed JSON, as fetchRelayInfo
 * calls it) and relay entries typed by users or given in the page URL
 * (parseRelayEntry, parseRelayList), and the document's ICE servers
 * (parseRelayIceServers: bad entries are left out with a named error that
 * never shows a credential).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidRelayAddressError, RelayInfoError } from '../../src/errors.js'
import { parseRelayInfo } from '../../src/config/relay-info.js'
import { MAX_ICE_SERVERS, parseIceUrl, parseRelayIceServers, RelayIceServerError } from '../../src/config/ice-servers.js'
import { parseRelayEntry, parseRelayList } from '../../src/config/relays.js'
import { FUZZ_TIMEOUT_MS, decodes, jsonInputs, params, report, runs, tally, textInputs } from './support.js'

const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const infos = [
  { peerId: relayId, multiaddrs: [`/ip4/192.0.2.1/tcp/4001/p2p/${relayId}`, `/dns4/relay.example/tcp/443/wss/p2p/${relayId}`] },
  { peerId: relayId, multiaddrs: [`/ip6/::1/udp/4001/quic-v1/webtransport/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/p2p/${relayId}`] },
  {
    peerId: relayId,
    multiaddrs: [`/dns4/relay.example/tcp/443/tls/ws/p2p/${relayId}`],
    iceServers: [
      { urls: ['stun:198.51.100.1:3478', 'stuns:[2001:db8::1]:5349'] },
      { urls: ['turn:198.51.100.1:3478?transport=udp', 'turn:198.51.100.1:3478?transport=tcp'], username: '1767225600:aGVsbG8', credential: 'SECRETCREDENTIALx/+=' },
      { urls: 'turns:turn.example:5349', username: '1767225600:b', credential: 'SECRETCREDENTIALy' }
    ],
    iceServersTtl: 3600
  }
]
/** Credentials in the seeds: no error message may show them. */
const SEED_CREDENTIALS = ['SECRETCREDENTIALx/+=', 'SECRETCREDENTIALy']
const entries = [
  `/ip4/192.0.2.1/tcp/4001/ws/p2p/${relayId}`,
  `/dns4/relay.example/tcp/443/wss/p2p/${relayId}`,
  'https://relay.example:8443/relay.json',
  'http://192.0.2.1/relay.json'
]

describe('fuzzing the relay configuration decoders', () => {
  it('parseRelayInfo: a peerId and multiaddrs ending with it, or RelayInfoError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(jsonInputs(infos), text => {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        return // fetchRelayInfo refuses what is not JSON before this decoder
      }
      decodes(() => parseRelayInfo(value), [RelayInfoError], info => {
        expect(info.multiaddrs.length).toBeGreaterThan(0)
        for (const ma of info.multiaddrs) expect(ma.getComponents().at(-1)?.value).toBe(info.peerId)
        // malformed ICE entries never make the document unusable: they are left out with a named error
        expect(info.iceServers.length).toBeLessThanOrEqual(MAX_ICE_SERVERS)
        for (const server of info.iceServers) {
          for (const url of server.urls) expect(parseIceUrl(url)).toBe(url)
          if (server.urls.some(u => u.startsWith('turn'))) expect(typeof server.username === 'string' && typeof server.credential === 'string').toBe(true)
        }
        for (const err of info.iceErrors) {
          expect(err).toBeInstanceOf(RelayIceServerError)
          expect(err.name).toBe('RelayIceServerError')
          for (const secret of SEED_CREDENTIALS) expect(err.message).not.toContain(secret)
        }
        if (info.iceServersTtl != null) expect(Number.isSafeInteger(info.iceServersTtl) && info.iceServersTtl > 0).toBe(true)
      }, t)
    }), params(runs(), [
      // found by this fuzzer: String() of a multiaddr given as an object with a non-callable toString threw a raw TypeError
      JSON.stringify({ peerId: relayId, multiaddrs: [{ toString: 1 }] }),
      // and base58 decoding is quadratic: a peerId of 40,000 characters took seconds
      JSON.stringify({ peerId: `12D3KooW${'1'.repeat(40_000)}`, multiaddrs: ['/ip4/1.2.3.4'] }),
      JSON.stringify({ peerId: relayId, multiaddrs: [`/ip4/192.0.2.1/tcp/1/p2p/12D3KooW${'1'.repeat(40_000)}`] })
    ]))
    report('config parseRelayInfo', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('parseRelayIceServers: never throws on any JSON value; a valid entry or a named error for each', () => {
    const t = tally()
    const started = performance.now()
    const seeds = infos.map(info => ({ iceServers: (info as { iceServers?: unknown }).iceServers ?? [] }))
    fc.assert(fc.property(jsonInputs(seeds), text => {
      let value: unknown
      try {
        value = (JSON.parse(text) as { iceServers?: unknown } | null)?.iceServers
      } catch {
        return
      }
      decodes(() => parseRelayIceServers(value), [], result => {
        const given = Array.isArray(value) ? Math.min(value.length, MAX_ICE_SERVERS) : 0
        // every entry is either kept or named in an error
        expect(result.iceServers.length + result.errors.filter(e => /^iceServers\[\d+\]/.test(e.message)).length).toBe(given)
        expect(result.errors.every(e => e instanceof RelayIceServerError)).toBe(true)
      }, t)
    }), params(runs(), [
      JSON.stringify({ iceServers: [{ urls: [{ toString: 1 }] }] }),
      JSON.stringify({ iceServers: [{ urls: 'turn:a', username: { length: 1 }, credential: 'x' }] }),
      JSON.stringify({ iceServers: Array.from({ length: 100 }, () => ({ urls: 'stun:a' })) })
    ]))
    report('config parseRelayIceServers', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('parseRelayEntry: a multiaddr ending in /p2p/<id> or an http(s) URL, or InvalidRelayAddressError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(textInputs(entries), text => {
      decodes(() => parseRelayEntry(text), [InvalidRelayAddressError], entry => {
        if (entry.kind === 'url') expect(entry.url).toMatch(/^https?:\/\//i)
        else expect(entry.multiaddr.getComponents().at(-1)?.value).toBe(entry.peerId)
      }, t)
    }), params(runs(), [
      // found by this fuzzer: a /p2p/ id of 40,000 characters took seconds (quadratic base58)
      `/ip4/192.0.2.1/tcp/1/p2p/12D3KooW${'1'.repeat(40_000)}`
    ]))
    report('config parseRelayEntry', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('parseRelayList: never throws; every part is a relay or a named error', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(fc.array(textInputs(entries), { maxLength: 5 }), fc.constantFrom('\n', ',', ' ', '\t'), (parts, separator) => {
      decodes(() => parseRelayList(parts.join(separator)), [], list => {
        expect(list.errors.every(e => e instanceof InvalidRelayAddressError && e.name === 'InvalidRelayAddressError')).toBe(true)
      }, t)
    }), params(runs(500)))
    report('config parseRelayList', t, started)
  }, FUZZ_TIMEOUT_MS)
})
