import { describe, expect, it } from 'vitest'
import { InvalidRelayAddressError } from '../src/errors.js'
import { MAX_RELAY_LIST_ENTRIES, parseRelayEntry, parseRelayList, relaysFromUrl } from '../src/config/relays.js'
import { parseRelayInfo } from '../src/config/relay-info.js'

const ID = '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4'
const WS = `/ip4/127.0.0.1/tcp/9001/ws/p2p/${ID}`

describe('relay entries', () => {
  it('accepts a multiaddr ending in /p2p/<id>', () => {
    const entry = parseRelayEntry(`  ${WS} `)
    expect(entry).toMatchObject({ kind: 'multiaddr', input: WS, peerId: ID })
  })

  it('accepts an http(s) URL of a relay info document', () => {
    expect(parseRelayEntry('http://127.0.0.1:9090/relay.json')).toEqual({ kind: 'url', input: 'http://127.0.0.1:9090/relay.json', url: 'http://127.0.0.1:9090/relay.json' })
    expect(parseRelayEntry('HTTPS://relay.example.org/relay.json').kind).toBe('url')
  })

  it.each([
    ['', 'it is empty'],
    ['relay.example.org', 'expected a multiaddr starting with "/" or an http(s):// URL'],
    ['/ip4/999.1.1.1/tcp/1/ws', 'not a valid multiaddr'],
    ['/ip4/127.0.0.1/tcp/9001/ws', 'it must end with /p2p/<relay PeerId>'],
    [`/ip4/127.0.0.1/tcp/9001/ws/p2p/${ID}/p2p-circuit/p2p/${ID}`, 'a relay is reached directly, not through /p2p-circuit'],
    ['/nonsense/protocol', 'not a valid multiaddr'],
    ['http://exa mple.org/', 'not a valid URL']
  ])('rejects %j: %s', (input, reason) => {
    expect(() => parseRelayEntry(input)).toThrow(InvalidRelayAddressError)
    expect(() => parseRelayEntry(input)).toThrow(reason)
  })

  it('keeps the valid entries of a list and reports each invalid one', () => {
    const { relays, errors } = parseRelayList(`${WS}\nnot-a-relay, http://127.0.0.1:9090/relay.json ${WS}\n\n/ip4/1.2.3.4/tcp/1`)
    expect(relays.map(r => r.input)).toEqual([WS, 'http://127.0.0.1:9090/relay.json'])
    expect(errors.map(e => e.input)).toEqual(['not-a-relay', '/ip4/1.2.3.4/tcp/1'])
    expect(errors[0]?.name).toBe('InvalidRelayAddressError')
  })

  it('reads at most MAX_RELAY_LIST_ENTRIES entries of a list and says the rest were ignored', () => {
    // found by fuzzing: 20,000 entries (".\r/" repeated) took over a second to reject one by one
    const list = [WS, ...Array.from({ length: 20_000 }, (_, i) => `bad${i}`)].join('\r')
    const { relays, errors } = parseRelayList(list)
    expect(relays.map(r => r.input)).toEqual([WS])
    expect(errors).toHaveLength(MAX_RELAY_LIST_ENTRIES)
    expect(errors.at(-1)?.message).toContain(`more than ${MAX_RELAY_LIST_ENTRIES} relays listed`)
  })

  it('reads overrides from ?relay= parameters', () => {
    expect(relaysFromUrl('https://app.example/#/r/x')).toBeUndefined()
    const result = relaysFromUrl(`https://app.example/?relay=${encodeURIComponent(WS)}&relay=bad`)
    expect(result?.relays.map(r => r.input)).toEqual([WS])
    expect(result?.errors.map(e => e.input)).toEqual(['bad'])
  })
})

describe('relay info documents', () => {
  it('parses a valid document', () => {
    const info = parseRelayInfo({ peerId: ID, multiaddrs: [WS] })
    expect(info.peerId).toBe(ID)
    expect(info.multiaddrs.map(String)).toEqual([WS])
  })

  it.each([
    [null, 'not a JSON object'],
    ['text', 'not a JSON object'],
    [{ multiaddrs: [WS] }, 'has no peerId'],
    [{ peerId: 'QmNotAPeer', multiaddrs: [WS] }, 'invalid peerId'],
    [{ peerId: ID, multiaddrs: [] }, 'lists no multiaddrs'],
    [{ peerId: ID, multiaddrs: ['garbage'] }, 'invalid multiaddr "garbage"'],
    [{ peerId: ID, multiaddrs: ['/ip4/127.0.0.1/tcp/1/ws'] }, 'does not end with /p2p/']
  ])('rejects %j', (doc, message) => {
    expect(() => parseRelayInfo(doc)).toThrow(message)
  })
})
