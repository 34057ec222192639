/**
 * A relay with its own TLS certificate (--tls-cert/--tls-key), used by the
 * app in Chromium: /relay.json over https and the relay connection over
 * /tls/ws (wss). Chromium trusts exactly the test certificate's public key
 * (--ignore-certificate-errors-spki-list), not every certificate.
 */
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from '@playwright/test'
import { expect, test } from '../support/test.js'
import { openApp, openView } from '../support/app.js'
import { makeCa, makeCert } from '../../relay/test/support/certs.js'
import { freePort, startRelay } from '../../relay/test/support/relay-process.js'

test('the app fetches https /relay.json and reserves on the relay over /tls/ws', async ({ browser, baseURL }) => {
  const dir = await mkdtemp(join(tmpdir(), 'peerlink-e2e-tls-'))
  const ca = await makeCa(dir)
  const cert = await makeCert(ca, dir)
  const spki = createHash('sha256').update(new X509Certificate(await readFile(cert.cert)).publicKey.export({ type: 'spki', format: 'der' })).digest('base64')
  const port = await freePort()
  const relay = await startRelay(['--tls-cert', cert.cert, '--tls-key', cert.key, '--ws-port', String(port), '--announce', `/dns4/localhost/tcp/${port}/tls/ws`])
  // the same Chromium as the other tests, trusting only this certificate's key
  const trusting = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--allow-loopback-in-peer-connection',
      `--ignore-certificate-errors-spki-list=${spki}`]
  })
  try {
    const infoUrl = relay.infoUrl.replace('127.0.0.1', 'localhost')
    expect(infoUrl).toMatch(/^https:\/\/localhost:\d+\/relay\.json$/)
    const a = await openApp(await trusting.newContext(), [infoUrl], 'A', baseURL)
    await a.waitReserved(relay.peerId)
    await openView(a.page, 'diagnostics')
    await expect(a.relayItem(relay.peerId)).toContainText('websockets')
    // and the stock browser (no trust for the test certificate) cannot fetch it: the trust above is what made it work
    const b = await openApp(browser, [infoUrl], 'B')
    await openView(b.page, 'diagnostics')
    await expect(b.relayItem(infoUrl)).toContainText(/could not fetch|error|failed/i)
  } finally {
    await trusting.close()
    await relay.stop()
  }
})
