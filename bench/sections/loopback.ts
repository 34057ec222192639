/**
 * The parts measured on one loopback: a relay, the app and one Chromium of
 * their own, started here and stopped by the bench's clean-up; each part asked
 * for runs in turn (chat adds two relays of its own).
 */
import { rm } from 'node:fs/promises'
import { launchBrowser } from '../support/browser.ts'
import { onCleanUp } from '../support/cleanup.ts'
import { log } from '../support/log.ts'
import type { BenchOptions } from '../support/options.ts'
import type { Results } from '../support/results.ts'
import { startApp, startRelay } from '../support/servers.ts'
import type { Loopback } from './section.ts'
import { measurePlaySection, measureTransfers } from './transfers.ts'

/**
 * The parts whose modules link e2e helpers, imported by bench/run.ts after
 * ../support/ts-imports.ts has run, and only those asked for.
 */
export interface LoopbackParts {
  calls?: typeof import('./calls.ts') | undefined
  join?: typeof import('./join.ts') | undefined
  swarm?: typeof import('./swarm.ts') | undefined
  chat?: typeof import('./chat.ts') | undefined
}

export async function measureLoopback (options: BenchOptions, results: Results, parts: LoopbackParts): Promise<void> {
  const { only } = options
  log('starting a relay and the app')
  const relay = await startRelay()
  onCleanUp(async () => { await relay.stop(); await rm(relay.dataDir, { recursive: true, force: true }) })
  const app = await startApp()
  onCleanUp(async () => app.stop())
  const browser = await launchBrowser()
  onCleanUp(async () => browser.close())
  results.browserVersion = browser.version()
  log(`Chromium ${results.browserVersion}, app ${app.url}, relay ${relay.peerId}`)
  const loopback: Loopback = { options, results, browser, app, relay, relays: [relay.infoUrl] }

  if (only.has('raw') || only.has('files')) await measureTransfers(loopback)
  if (only.has('calls')) await parts.calls?.measureCalls(loopback)
  if (only.has('play')) await measurePlaySection(loopback)
  if (only.has('join')) await parts.join?.measureJoinLoopback(loopback)
  if (only.has('swarm')) await parts.swarm?.measureSwarmSection(loopback)
  if (only.has('chat')) await parts.chat?.measureChatSection(loopback)
}
