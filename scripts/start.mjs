#!/usr/bin/env node
// `pnpm start`: runs a local relay and the built app side by side, prints the
// URL to open, and stops both on Ctrl-C. The app's default relay setting
// (http://<page host>:9090/relay.json) points at this relay, so it needs no
// configuration. Ports: PEERLINK_APP_PORT (5173) and the relay's own
// PEERLINK_RELAY_* settings (see `node relay/dist/main.js --help`).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const appPort = process.env.PEERLINK_APP_PORT ?? '5173'
const host = process.env.PEERLINK_HOST ?? '127.0.0.1'

const children = []
function run (name, args, onLine) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
  children.push(child)
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = ''
    stream.setEncoding('utf8').on('data', (chunk) => {
      buffer += chunk
      const lines = buffer.split('\n')
      buffer = lines.pop()
      for (const line of lines) {
        if (onLine?.(line) !== false) console.log(`[${name}] ${line}`)
      }
    })
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping`)
      stop(code ?? 1)
    }
  })
  return child
}

let stopping = false
function stop (code = 0) {
  if (stopping) return
  stopping = true
  for (const child of children) child.kill('SIGTERM')
  setTimeout(() => process.exit(code), 2000).unref()
  Promise.all(children.map(c => new Promise(resolve => c.exitCode != null ? resolve() : c.once('exit', resolve)))).then(() => process.exit(code))
}
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))

let relayReady = false
let appReady = false
const announce = () => {
  if (relayReady && appReady) {
    console.log(`\n  Peerlink is running. Open http://${host}:${appPort}/ in your browser.\n  (Ctrl-C stops the app and the relay.)\n`)
  }
}

const dataDir = process.env.PEERLINK_RELAY_DATA_DIR ?? '.data/relay'
run('relay', ['relay/dist/main.js', '--host', host, '--data-dir', dataDir], (line) => {
  if (line.startsWith('peerlink-relay ready ')) {
    const info = JSON.parse(line.slice('peerlink-relay ready '.length))
    console.log(`[relay] ${info.peerId} on ${info.http}`)
    relayReady = true
    announce()
    return false
  }
})
run('app', ['apps/web/node_modules/vite/bin/vite.js', 'preview', 'apps/web', '--host', host, '--port', appPort, '--strictPort'], (line) => {
  // eslint-disable-next-line no-control-regex
  if (!appReady && line.replace(/\x1b\[[0-9;]*m/g, '').includes(`:${appPort}/`)) {
    appReady = true
    announce()
  }
  return false
})
