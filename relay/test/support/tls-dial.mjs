// A stock js-libp2p client (libp2p packages only) that dials one address and pings it:
//   node tls-dial.mjs <multiaddr>
// prints one JSON line {"ok":true,"rtt":ms,"remoteAddr":...} or {"ok":false,"error":...} and exits.
// It trusts what Node trusts: run it with NODE_EXTRA_CA_CERTS=<test CA> for a /tls/ws address.
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  transports: [webSockets()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionGater: { denyDialMultiaddr: () => false },
  services: { identify: identify(), ping: ping() }
})
let result
try {
  const ma = multiaddr(process.argv[2])
  const connection = await node.dial(ma, { signal: AbortSignal.timeout(10_000) })
  const rtt = await node.services.ping.ping(ma, { signal: AbortSignal.timeout(10_000) })
  result = { ok: true, rtt, remoteAddr: connection.remoteAddr.toString() }
} catch (err) {
  result = { ok: false, error: `${err.name}: ${err.message}`, cause: err.cause != null ? String(err.cause.message ?? err.cause) : undefined }
}
process.stdout.write(JSON.stringify(result) + '\n')
await node.stop()
process.exit(0)
