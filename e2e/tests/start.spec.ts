import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, test } from '../support/test.js'
import { openApp, openView } from '../support/app.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

test('`pnpm start` runs a relay and the app, and the app uses that relay with no configuration', async ({ browser }) => {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { ...process.env, PEERLINK_RELAY_DATA_DIR: await mkdtemp(join(tmpdir(), 'peerlink-start-')) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => { output += s })
  child.stderr.setEncoding('utf8').on('data', (s: string) => { output += s })
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  try {
    await expect.poll(() => output).toMatch(/Open (http:\/\/\S+) in your browser/)
    const url = /Open (http:\/\/\S+) in your browser/.exec(output)![1]!
    const relayPeerId = /\[relay\] (12D3KooW\w+) on /.exec(output)![1]!

    const a = await openApp(browser, [], 'A', url)
    await a.waitReserved(relayPeerId)
    await openView(a.page, 'settings')
    await expect(a.page.locator('.relay-source')).toHaveText('default')
  } finally {
    child.kill('SIGINT')
  }
  expect(await exited, output).toBe(0)
})
