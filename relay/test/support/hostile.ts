/**
 * Hostile clients for the relay's ports: raw sockets that speak broken or no
 * protocol, bound to their own loopback address so they count as another host.
 */
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { readdir, readFile } from 'node:fs/promises'
import { get as httpGet, type IncomingMessage } from 'node:http'
import { get as httpsGet } from 'node:https'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'

/** The attackers' address: another loopback host than the honest clients' 127.0.0.1. */
export const HOSTILE_ADDRESS = '127.0.0.2'

/** Malformed WebSocket frames, each a different protocol violation `ws` turns into an `'error'` event. */
export const MALFORMED_FRAMES: Record<string, Uint8Array> = {
  // 7 bytes: a binary frame without the mask bit clients must set
  'unmasked frame': Uint8Array.from([0x82, 0x05, 1, 2, 3, 4, 5]),
  // opcode 0x3 is reserved
  'reserved opcode': Uint8Array.from([0x83, 0x80, 0, 0, 0, 0]),
  // RSV1 without a negotiated extension
  'RSV1 bit': Uint8Array.from([0xc2, 0x81, 0, 0, 0, 0, 0x41]),
  // 64-bit length 2^63
  '2^63 length': Uint8Array.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  // close frame with status code 999, which no endpoint may send
  'bad close code': Uint8Array.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe7])
}

/** A TCP connection from the hostile address; resolves once connected. */
export async function hostileSocket (port: number, options: { signal?: AbortSignal } = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress: HOSTILE_ADDRESS, signal: options.signal })
    socket.once('connect', () => {
      socket.off('error', reject)
      // a reset by the relay is how it refuses: never an unhandled error here
      socket.on('error', () => {})
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** Resolves with the time (ms since `since`) the socket was closed; the relay closing it is the expected end. */
export async function closedAfter (socket: Socket, since: number): Promise<number> {
  socket.on('error', () => {}) // a reset by the relay is a close too
  // read (and drop) whatever the relay answers: a paused socket never sees the relay's FIN
  socket.resume()
  if (socket.closed) return performance.now() - since
  return new Promise(resolve => socket.once('close', () => { resolve(performance.now() - since) }))
}

/** Opens a WebSocket by hand (so frames can be malformed) and resolves after the 101 response. */
export async function rawWebSocket (port: number): Promise<Socket> {
  const socket = await hostileSocket(port)
  socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
  let head = ''
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      if (head.startsWith('HTTP/1.1 101')) resolve()
      else reject(new Error(`no WebSocket upgrade: ${head.split('\r\n')[0]}`))
    }
    socket.on('data', onData)
    socket.once('close', () => { reject(new Error('closed before the upgrade')) })
  })
  return socket
}

/** A masked binary WebSocket frame (mask 0, so the payload goes as is) of at most 125 bytes. */
export function maskedFrame (payload: Uint8Array): Uint8Array {
  return Uint8Array.from([0x82, 0x80 | payload.length, 0, 0, 0, 0, ...payload])
}

/** Sends `bytes` one per `intervalMs` until done or aborted (a slow client). */
export async function dribble (socket: Socket, bytes: Uint8Array, intervalMs: number, signal: AbortSignal): Promise<void> {
  for (const byte of bytes) {
    if (signal.aborted || socket.destroyed) return
    socket.write(Uint8Array.of(byte))
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** Garbage datagrams to a UDP port (WebRTC-direct), from the hostile address. */
export async function udpGarbage (port: number, count: number, size = 200): Promise<void> {
  const socket = createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, HOSTILE_ADDRESS, resolve))
  try {
    for (let i = 0; i < count; i++) {
      const datagram = randomBytes(size)
      await new Promise<void>((resolve, reject) => socket.send(datagram, port, '127.0.0.1', err => { if (err == null) resolve(); else reject(err) }))
    }
  } finally {
    socket.close()
  }
}

/** A process's resident memory (bytes) and open descriptors, from /proc. */
export async function processResources (pid: number): Promise<{ rss: number, fds: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN)
  const fds = (await readdir(`/proc/${pid}/fd`)).length
  return { rss: kb * 1024, fds }
}

export function median (values: number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** A TLS connection from the hostile address, trusting `ca`; resolves once the handshake is done. */
export async function hostileTlsSocket (port: number, ca: Buffer): Promise<TLSSocket> {
  const raw = await hostileSocket(port)
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ socket: raw, servername: 'localhost', ca }, () => {
      socket.off('error', reject)
      socket.on('error', () => {})
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** GET `url` on a fresh connection from 127.0.0.1 (https trusting `ca`); resolves with the status and the ms it took. */
export async function getStatus (url: string, options: { ca?: Buffer, timeout?: number } = {}): Promise<{ status: number, ms: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      res.resume().once('end', () => { resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }) })
    }
    const signal = AbortSignal.timeout(options.timeout ?? 5000)
    const req = url.startsWith('https:')
      ? httpsGet(url, { ca: options.ca, agent: false, signal }, onResponse)
      : httpGet(url, { agent: false, signal }, onResponse)
    req.once('error', reject)
  })
}
