/**
 * A minimal TURN client (RFC 5766 Allocate over UDP with the long-term
 * credential mechanism of RFC 5389), enough to prove a TURN server accepts
 * or refuses a username and credential.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'

const MAGIC_COOKIE = 0x2112a442
const ALLOCATE_REQUEST = 0x0003
const ALLOCATE_SUCCESS = 0x0103
const ATTR = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, REALM: 0x0014, NONCE: 0x0015, XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019, LIFETIME: 0x000d }

export type AllocateResult = { ok: true, relayed: string } | { ok: false, code: number, reason: string }

function attribute (type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4)
  header.writeUInt16BE(type, 0)
  header.writeUInt16BE(value.length, 2)
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4)
  return Buffer.concat([header, value, padding])
}

function message (type: number, transactionId: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  let body = Buffer.concat(attributes)
  const header = (length: number): Buffer => {
    const h = Buffer.alloc(20)
    h.writeUInt16BE(type, 0)
    h.writeUInt16BE(length, 2)
    h.writeUInt32BE(MAGIC_COOKIE, 4)
    transactionId.copy(h, 8)
    return h
  }
  if (integrityKey != null) {
    // the HMAC covers the message up to MESSAGE-INTEGRITY, its length already counting that attribute (24 bytes)
    const mac = createHmac('sha1', integrityKey).update(Buffer.concat([header(body.length + 24), body])).digest()
    body = Buffer.concat([body, attribute(ATTR.MESSAGE_INTEGRITY, mac)])
  }
  return Buffer.concat([header(body.length), body])
}

function parse (buf: Buffer): { type: number, attributes: Map<number, Buffer> } {
  const type = buf.readUInt16BE(0)
  const length = buf.readUInt16BE(2)
  const attributes = new Map<number, Buffer>()
  let offset = 20
  while (offset + 4 <= 20 + length) {
    const t = buf.readUInt16BE(offset)
    const l = buf.readUInt16BE(offset + 2)
    attributes.set(t, buf.subarray(offset + 4, offset + 4 + l))
    offset += 4 + l + ((4 - (l % 4)) % 4)
  }
  return { type, attributes }
}

/** Sends STUN requests from one UDP socket (a TURN server ties its nonce to the client's address and port). */
function client (host: string, port: number, signal: AbortSignal): { exchange: (request: Buffer) => Promise<{ type: number, attributes: Map<number, Buffer> }>, close: () => void } {
  const socket = createSocket('udp4')
  const waiting = new Map<string, (msg: Buffer) => void>()
  socket.on('message', (msg) => {
    if (msg.length >= 20) waiting.get(msg.subarray(8, 20).toString('hex'))?.(msg)
  })
  return {
    exchange: async (request) => new Promise((resolve, reject) => {
      const id = request.subarray(8, 20).toString('hex')
      waiting.set(id, msg => { waiting.delete(id); resolve(parse(msg)) })
      socket.once('error', reject)
      if (signal.aborted) { reject(signal.reason as Error); return }
      signal.addEventListener('abort', () => { reject(signal.reason as Error) }, { once: true })
      socket.send(request, port, host)
    }),
    close: () => { socket.close() }
  }
}

/** Tries to allocate a UDP relay on the TURN server at host:port with the given credential. */
export async function turnAllocate (host: string, port: number, username: string, credential: string, options: { signal?: AbortSignal } = {}): Promise<AllocateResult> {
  const signal = options.signal ?? AbortSignal.timeout(5000)
  const transport = attribute(ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]))
  const { exchange, close } = client(host, port, signal)
  try {
    // first request without credentials: the server answers 401 with its realm and a nonce
    const challenge = await exchange(message(ALLOCATE_REQUEST, randomBytes(12), [transport]))
    const realm = challenge.attributes.get(ATTR.REALM)
    const nonce = challenge.attributes.get(ATTR.NONCE)
    if (realm == null || nonce == null) throw new Error('TURN server sent no realm/nonce challenge')
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${credential}`).digest()
    const response = await exchange(message(ALLOCATE_REQUEST, randomBytes(12), [
      transport,
      attribute(ATTR.LIFETIME, Buffer.from([0, 0, 0, 60])),
      attribute(ATTR.USERNAME, Buffer.from(username, 'utf8')),
      attribute(ATTR.REALM, realm),
      attribute(ATTR.NONCE, nonce)
    ], key))
    if (response.type === ALLOCATE_SUCCESS) {
      const xor = response.attributes.get(ATTR.XOR_RELAYED_ADDRESS)
      if (xor == null) return { ok: true, relayed: '?' }
      const port = xor.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16)
      const ip = [0, 1, 2, 3].map(i => (xor[4 + i] ?? 0) ^ ((MAGIC_COOKIE >>> (24 - 8 * i)) & 0xff)).join('.')
      return { ok: true, relayed: `${ip}:${port}` }
    }
    const error = response.attributes.get(ATTR.ERROR_CODE)
    const code = error != null ? (error[2] ?? 0) * 100 + (error[3] ?? 0) : 0
    return { ok: false, code, reason: error?.subarray(4).toString('utf8') ?? '' }
  } finally {
    close()
  }
}
