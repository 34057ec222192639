import { describe, expect, it } from 'vitest'
import { validatePeerId } from '../src/lib/session/peer-id.ts'
import { defaultRelayText, relayText, resolveRelayConfig, urlWithoutRelayParams } from '../src/lib/settings/relay-config.ts'

const RELAY = '/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

describe('relay configuration', () => {
  it('defaults to the relay next to the page host', () => {
    expect(defaultRelayText('example.org')).toBe('http://example.org:9090/relay.json')
    expect(defaultRelayText('::1')).toBe('http://[::1]:9090/relay.json')
  })

  it('takes ?relay= parameters first, keeping valid entries and reporting invalid ones', async () => {
    const config = await resolveRelayConfig(`https://app.test/?relay=foo&relay=${encodeURIComponent(RELAY)}`)
    expect(config.source).toBe('link')
    expect(relayText(config.relays)).toBe(RELAY)
    expect(config.errors).toEqual([expect.stringContaining('Invalid relay address "foo"')])
  })

  it('removes only the relay parameters from a URL', () => {
    expect(urlWithoutRelayParams('https://app.test/x?relay=a&room=1&relay=b#h')).toBe('https://app.test/x?room=1#h')
  })
})

describe('validatePeerId', () => {
  it('accepts a PeerId and explains what is wrong otherwise', () => {
    const id = RELAY.split('/p2p/')[1]!
    expect(validatePeerId(id)).toBeUndefined()
    expect(validatePeerId('')).toMatch(/Enter the Peer ID/)
    expect(validatePeerId('not-a-peer')).toMatch(/is not a valid Peer ID/)
    expect(validatePeerId(id, id)).toMatch(/your own Peer ID/)
  })
})
