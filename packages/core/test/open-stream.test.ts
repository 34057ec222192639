import { describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { openStreamOn } from '../src/connectivity/open-stream.js'
import type { Connection, PeerId, Stream } from '@libp2p/interface'

const PROTOCOL = '/test/1.0.0'

/**
 * How a fake connection answers a stream: after `ms` with a stream, after `ms` with an error, or never (a
 * WebRTC connection whose other end was closed: open here, no data channel opens; only the signal ends it).
 */
type Answer = { stream: number } | { error: number, message?: string } | 'never'

interface FakeStream { id: string, aborted?: Error }

interface Fake {
  connection: Connection
  /** When it was asked for a stream (ms after the test began), once per ask. */
  asked: number[]
  streams: FakeStream[]
  /** Why it was closed, if it was. */
  closed?: Error
}

const began = Date.now()

function fake (name: string, answer: Answer, limited = false): Fake {
  const f: Fake = { asked: [], streams: [], connection: undefined as unknown as Connection }
  f.connection = {
    id: name,
    status: 'open',
    remoteAddr: { toString: () => `/fake/${name}` },
    limits: limited ? { bytes: 1_000_000n, seconds: 60 } : undefined,
    abort: (err: Error) => { f.closed = err },
    newStream: async (_protocol: string, options: { signal: AbortSignal }) => {
      f.asked.push(Date.now() - began)
      return new Promise<Stream>((resolve, reject) => {
        const fail = (): void => { reject(options.signal.reason as Error) }
        options.signal.addEventListener('abort', fail, { once: true })
        if (answer === 'never') return
        setTimeout(() => {
          options.signal.removeEventListener('abort', fail)
          if ('stream' in answer) {
            const stream: FakeStream = { id: `${name}-stream` }
            f.streams.push(stream)
            resolve(Object.assign(stream, { abort: (err: Error) => { stream.aborted = err } }) as unknown as Stream)
          } else {
            reject(new Error(answer.message ?? 'the data channel failed'))
          }
        }, 'stream' in answer ? answer.stream : answer.error)
      })
    }
  } as unknown as Connection
  return f
}

async function peer (): Promise<PeerId> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
}

/** Components whose libp2p holds `fakes` as its connections to one peer, in that order. */
function components (fakes: Fake[]): Parameters<typeof openStreamOn>[0] {
  return {
    libp2p: {
      getConnections: () => fakes.map(f => f.connection),
      dialProtocol: async () => { throw new Error('not expected: connections are open') }
    },
    connectToPeer: async () => { throw new Error('not expected: connections are open') }
  }
}

async function until (check: () => boolean): Promise<void> {
  while (!check()) await new Promise(resolve => setTimeout(resolve, 5))
}

describe('opening a stream on one of several connections to a peer', () => {
  it('a connection that takes no stream (the other end closed it) costs one race delay, not the stream timeout, and is closed once the timeout passes', async () => {
    const id = await peer()
    const dead = fake('dead', 'never')
    const live = fake('live', { stream: 5 })
    const start = Date.now()
    const { connection, stream } = await openStreamOn(components([dead, live]), id.toString(), PROTOCOL, { streamTimeoutMs: 400, raceAfterMs: 50 })
    expect(connection).toBe(live.connection)
    expect((stream as unknown as FakeStream).id).toBe('live-stream')
    expect(Date.now() - start).toBeLessThan(300)
    expect(dead.closed).toBeUndefined()
    await until(() => dead.closed != null)
    expect(dead.closed?.name).toBe('StreamOpenTimeoutError')
    expect(live.closed).toBeUndefined()
  })

  it('a connection that fails at once passes the stream to the next at once, and is not closed for it', async () => {
    const id = await peer()
    const failing = fake('failing', { error: 1, message: 'too many outbound streams' })
    const live = fake('live', { stream: 1 })
    const start = Date.now()
    const { connection } = await openStreamOn(components([failing, live]), id.toString(), PROTOCOL, { streamTimeoutMs: 10_000, raceAfterMs: 5_000 })
    expect(connection).toBe(live.connection)
    expect(Date.now() - start).toBeLessThan(1_000)
    expect(failing.closed).toBeUndefined()
  })

  it('the first connection answering within the race delay is the only one asked', async () => {
    const id = await peer()
    const first = fake('first', { stream: 10 })
    const second = fake('second', { stream: 1 })
    const { connection } = await openStreamOn(components([first, second]), id.toString(), PROTOCOL, { streamTimeoutMs: 10_000, raceAfterMs: 1_000 })
    expect(connection).toBe(first.connection)
    expect(second.asked).toEqual([])
  })

  it('when both are asked, the first stream to open is used and the later one is reset; no connection is closed', async () => {
    const id = await peer()
    const slow = fake('slow', { stream: 150 })
    const fast = fake('fast', { stream: 5 })
    const { connection } = await openStreamOn(components([slow, fast]), id.toString(), PROTOCOL, { streamTimeoutMs: 10_000, raceAfterMs: 20 })
    expect(connection).toBe(fast.connection)
    await until(() => slow.streams.length === 1)
    expect(slow.streams[0]?.aborted?.name).toBe('StreamNotNeededError')
    expect(fast.streams[0]?.aborted).toBeUndefined()
    expect([slow.closed, fast.closed]).toEqual([undefined, undefined])
  })

  it('a relayed connection is asked only once no direct one took the stream, and a direct one that timed out alone is not closed', async () => {
    const id = await peer()
    const relayed = fake('relayed', { stream: 1 }, true)
    const direct = fake('direct', 'never')
    // the relayed one comes first from libp2p; direct ones sort before it
    const { connection } = await openStreamOn(components([relayed, direct]), id.toString(), PROTOCOL, { streamTimeoutMs: 200, raceAfterMs: 10 })
    expect(connection).toBe(relayed.connection)
    expect(direct.asked).toHaveLength(1)
    expect(relayed.asked).toHaveLength(1)
    expect((relayed.asked[0] as number) - (direct.asked[0] as number)).toBeGreaterThanOrEqual(190)
    expect(direct.closed).toBeUndefined()
  })

  it('fails with the last error when no connection takes the stream, closing none', async () => {
    const id = await peer()
    const a = fake('a', { error: 1, message: 'protocol selection failed' })
    const b = fake('b', { error: 2, message: 'protocol selection failed' })
    await expect(openStreamOn(components([a, b]), id.toString(), PROTOCOL, { streamTimeoutMs: 1_000, raceAfterMs: 10 })).rejects.toThrow('protocol selection failed')
    expect([a.closed, b.closed]).toEqual([undefined, undefined])
  })

  it("the caller's abort ends every attempt and closes no connection", async () => {
    const id = await peer()
    const a = fake('a', 'never')
    const b = fake('b', 'never')
    const controller = new AbortController()
    const opening = openStreamOn(components([a, b]), id.toString(), PROTOCOL, { signal: controller.signal, streamTimeoutMs: 10_000, raceAfterMs: 10 })
    await until(() => b.asked.length === 1)
    controller.abort(new Error('the user left'))
    await expect(opening).rejects.toThrow('the user left')
    expect([a.closed, b.closed]).toEqual([undefined, undefined])
  })
})
