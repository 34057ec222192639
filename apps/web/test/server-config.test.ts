/**
 * The default relays come from the server that serves the app (its
 * config.json), read over real HTTP from a local server, with IndexedDB
 * (fake-indexeddb) keeping the last usable copy for when it cannot be read.
 */
import 'fake-indexeddb/auto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { clear } from 'idb-keyval'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { defaultRelayConfig, relayText, resolveRelayConfig, saveRelayText } from '../src/lib/settings/relay-config.ts'

const RELAY1 = 'https://relay1.one.test/relay.json'
const RELAY2 = 'https://relay2.one.test/relay.json'

/** What the server answers for /config.json next. */
let answer: { status: number, type: string, body: string } = { status: 404, type: 'text/plain', body: 'not found' }
const requests: Array<{ url?: string, accept?: string }> = []
let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ url: req.url, accept: req.headers.accept })
    if (req.url !== '/config.json') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise(resolve => server.close(resolve))
})

beforeEach(async () => {
  await clear()
  requests.length = 0
})

function serve (status: number, body: string, type = 'application/json'): void {
  answer = { status, type, body }
}

describe("the server's relay configuration (config.json)", () => {
  it('gives the default relays, read from next to the app on every start', async () => {
    serve(200, JSON.stringify({ relays: [RELAY1, RELAY2] }))
    const config = await resolveRelayConfig(`${origin}/r/some-room?x=1`)
    expect(config).toEqual({ source: 'default', relays: expect.any(Array), errors: [] })
    expect(relayText(config.relays)).toBe(`${RELAY1}\n${RELAY2}`)
    expect(requests).toEqual([{ url: '/config.json', accept: 'application/json' }])
    // a new list on the server is used at once
    serve(200, JSON.stringify({ relays: [RELAY2] }))
    expect(relayText((await defaultRelayConfig(`${origin}/`)).relays)).toBe(RELAY2)
  })

  it('reports invalid entries and keeps the valid ones', async () => {
    serve(200, JSON.stringify({ relays: [RELAY1, 'relay2.one.test'] }))
    const config = await defaultRelayConfig(`${origin}/`)
    expect(relayText(config.relays)).toBe(RELAY1)
    expect(config.errors).toEqual([expect.stringContaining('Invalid relay address "relay2.one.test"')])
    expect(config.notice).toBeUndefined()
  })

  it('is not there (404, or index.html from a fallback): the built-in list, quietly', async () => {
    serve(404, 'not found', 'text/plain')
    expect(await defaultRelayConfig(`${origin}/`)).toEqual({ source: 'default', relays: [expect.objectContaining({ input: 'http://127.0.0.1:9090/relay.json' })], errors: [] })
    serve(200, '<!doctype html><title>Peerlink</title>', 'text/html; charset=utf-8')
    expect(await defaultRelayConfig(`${origin}/`)).toEqual({ source: 'default', relays: [expect.objectContaining({ input: 'http://127.0.0.1:9090/relay.json' })], errors: [] })
  })

  it('is malformed: the built-in list, saying why', async () => {
    serve(200, '{"relays": "https://relay1.one.test/relay.json"}')
    const config = await defaultRelayConfig(`${origin}/`)
    expect(relayText(config.relays)).toBe('http://127.0.0.1:9090/relay.json')
    expect(config.notice).toBe('The server\'s relay configuration (/config.json) is not usable: "relays" must be an array of relay addresses; using the app\'s built-in relays.')
  })

  it('cannot be read (offline, server error, broken file): the relays it listed last time', async () => {
    serve(200, JSON.stringify({ relays: [RELAY1, RELAY2] }))
    await defaultRelayConfig(`${origin}/`)

    serve(200, '{"relays": [')
    const broken = await defaultRelayConfig(`${origin}/`)
    expect(relayText(broken.relays)).toBe(`${RELAY1}\n${RELAY2}`)
    expect(broken.notice).toMatch(/^The server's relay configuration \(\/config\.json\) is not usable: not JSON .*; using the relays it listed before\.$/)

    serve(503, 'busy', 'text/plain')
    const failing = await defaultRelayConfig(`${origin}/`)
    expect(relayText(failing.relays)).toBe(`${RELAY1}\n${RELAY2}`)
    expect(failing.notice).toBe('The server\'s relay configuration (/config.json) could not be read (HTTP 503); using the relays it listed before.')

    // nothing listens there any more: offline, no message
    const gone = createServer()
    await new Promise<void>(resolve => gone.listen(0, '127.0.0.1', resolve))
    const port = (gone.address() as AddressInfo).port
    await new Promise(resolve => gone.close(resolve))
    const offline = await defaultRelayConfig(`http://127.0.0.1:${port}/`)
    expect(relayText(offline.relays)).toBe(`${RELAY1}\n${RELAY2}`)
    expect(offline.notice).toBeUndefined()
  })

  it('gives way to a saved list and to ?relay= links', async () => {
    serve(200, JSON.stringify({ relays: [RELAY1] }))
    await saveRelayText(RELAY2)
    expect(await resolveRelayConfig(`${origin}/`)).toMatchObject({ source: 'saved', relays: [{ input: RELAY2 }] })
    const link = 'https://relay9.other.test/relay.json'
    expect(await resolveRelayConfig(`${origin}/?relay=${encodeURIComponent(link)}`)).toMatchObject({ source: 'link', relays: [{ input: link }] })
    expect(requests).toEqual([])
  })
})
