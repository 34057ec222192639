#!/usr/bin/env node
/**
 * Starts a relay of the deployment, bootstrapped to the other relays that are
 * already running. A relay's PeerId is made on its first start (in its data
 * directory), so it cannot be written in compose.yaml: this reads each other
 * relay's /relay.json on the internal network, adds
 * `/dns4/<host>/tcp/<PEERLINK_PEER_TCP_PORT>/p2p/<its PeerId>` to
 * PEERLINK_RELAY_BOOTSTRAP and runs the relay (`dist/main.js` from the working
 * directory, /app in the relay image) in this process. A relay not reachable
 * within PEERLINK_PEER_WAIT ms is left out: it bootstraps to this one when it
 * starts (compose starts relay2 once relay1 is healthy, so one of each pair
 * always finds the other, and keeps reconnecting to it).
 *
 *   PEERLINK_PEER_RELAYS   comma-separated base URLs of the other relays' HTTP ports, e.g. http://relay2:9090
 *   PEERLINK_PEER_TCP_PORT their libp2p TCP port (default 9003)
 *   PEERLINK_PEER_WAIT     ms to wait for each (default 5000)
 * Every other setting is the relay's own PEERLINK_RELAY_* variables.
 */
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const peers = (process.env.PEERLINK_PEER_RELAYS ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
const tcpPort = process.env.PEERLINK_PEER_TCP_PORT ?? '9003'
const wait = Number(process.env.PEERLINK_PEER_WAIT ?? 5000)

/** The other relay's PeerId from its /relay.json, or undefined when it does not answer in time. */
async function peerIdOf (base) {
  const deadline = Date.now() + wait
  for (;;) {
    try {
      const res = await fetch(new URL('/relay.json', base), { signal: AbortSignal.timeout(2000) })
      if (res.ok) {
        const { peerId } = await res.json()
        if (typeof peerId === 'string' && /^[1-9A-HJ-NP-Za-km-z]{40,128}$/.test(peerId)) return peerId
      }
    } catch {
      // not up yet
    }
    if (Date.now() >= deadline) return undefined
    await new Promise(resolve => setTimeout(resolve, 500))
  }
}

const found = []
for (const base of peers) {
  let host
  try {
    host = new URL(base).hostname.replace(/^\[|\]$/g, '')
  } catch {
    process.stderr.write(`peerlink-relay-start: PEERLINK_PEER_RELAYS entry "${base}" is not a URL\n`)
    process.exit(2)
  }
  const peerId = await peerIdOf(base)
  if (peerId == null) {
    process.stdout.write(`peerlink-relay-start: ${base} did not answer: starting without it (it bootstraps to this relay when it starts)\n`)
    continue
  }
  const proto = isIP(host) === 4 ? 'ip4' : isIP(host) === 6 ? 'ip6' : 'dns4'
  found.push(`/${proto}/${host}/tcp/${tcpPort}/p2p/${peerId}`)
  process.stdout.write(`peerlink-relay-start: bootstrapping to ${base} (${peerId})\n`)
}
if (found.length > 0) {
  const existing = process.env.PEERLINK_RELAY_BOOTSTRAP ?? ''
  process.env.PEERLINK_RELAY_BOOTSTRAP = [existing, ...found].filter(s => s.trim() !== '').join(',')
}
// the relay itself, in this process: it reads its flags and PEERLINK_RELAY_* now and handles the signals
await import(pathToFileURL(resolve('dist/main.js')).href)
