import { describe, expect, it } from 'vitest'
import { parseAppConfig } from '../src/config/app-config.js'
import { MAX_RELAY_LIST_ENTRIES } from '../src/config/relays.js'
import { InvalidAppConfigError } from '../src/errors.js'

const ID = '12D3KooWDwnipgEZeQ3u1mE9PHVaTAFGUazc8x88nxF3bwgpbFc4'

describe('the app configuration file (config.json)', () => {
  it('reads its relays, keeping the valid ones and reporting the others', () => {
    const { relays, errors } = parseAppConfig(JSON.stringify({ relays: ['https://relay1.example.org/relay.json', `/ip4/127.0.0.1/tcp/9001/ws/p2p/${ID}`, 'relay3.example.org'] }))
    expect(relays.map(r => r.input)).toEqual(['https://relay1.example.org/relay.json', `/ip4/127.0.0.1/tcp/9001/ws/p2p/${ID}`])
    expect(errors.map(e => e.message)).toEqual([expect.stringContaining('Invalid relay address "relay3.example.org"')])
  })

  it('ignores fields it does not know', () => {
    expect(parseAppConfig('{"relays":["https://r.example.org/relay.json"],"theme":"dark"}').relays).toHaveLength(1)
  })

  it.each([
    ['', /not JSON/],
    ['<!doctype html><html></html>', /not JSON/],
    ['{"relays": ["https://r.example.org/relay.json"', /not JSON/],
    ['null', /not a JSON object/],
    ['["https://r.example.org/relay.json"]', /not a JSON object/],
    ['{}', /"relays" must be an array/],
    ['{"relays": "https://r.example.org/relay.json"}', /"relays" must be an array/],
    ['{"relays": []}', /"relays" is empty/],
    ['{"relays": ["https://r.example.org/relay.json", 7]}', /"relays"\[1\] must be one relay address \(got 7\)/],
    ['{"relays": ["https://a.example.org/relay.json https://b.example.org/relay.json"]}', /"relays"\[0\] must be one relay address/],
    ['{"relays": ["relay.example.org"]}', /Invalid relay address "relay.example.org"/],
    [JSON.stringify({ relays: Array.from({ length: MAX_RELAY_LIST_ENTRIES + 1 }, (_, i) => `https://r${i}.example.org/relay.json`) }), /more than 64/]
  ])('refuses %j with a message saying why', (text, message) => {
    let error: unknown
    try {
      parseAppConfig(text)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InvalidAppConfigError)
    expect((error as Error).name).toBe('InvalidAppConfigError')
    expect((error as Error).message).toMatch(message)
  })
})
