// A bare libp2p node listening on WebSockets only, for the upstream reproduction:
//   node ws-listener.mjs bare|guarded
// prints "listening <port>" and runs until killed (or until an unhandled error ends it).
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { InboundGuard } from '../../dist/ws-guard.js'

const guarded = process.argv[2] === 'guarded'
const guard = new InboundGuard({ handshakeTimeout: 5000, maxPendingPerIp: 8 })
const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
  transports: [guarded ? guard.transport(webSockets()) : webSockets()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()]
})
const port = node.getMultiaddrs()[0].getComponents().find(c => c.name === 'tcp').value
process.stdout.write(`listening ${port}\n`)
