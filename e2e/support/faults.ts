import { once } from 'node:events'
import { expect, type Locator } from '@playwright/test'
import type { AppPage } from './app.js'
import { freePort, startRelay, type RelayProcess } from '../../relay/test/support/relay-process.js'

/**
 * A relay process that can be killed (SIGKILL: no goodbye to anyone) and
 * started again on the same ports with the same data directory, so it comes
 * back with the same PeerId, the same WebRTC-direct certificate and the same
 * addresses (and the same `/relay.json` URL) the pages were given.
 */
export interface RestartableRelay {
  /** The running process (the last one started). */
  current: RelayProcess
  /** `<http>/relay.json` (the same across restarts). */
  infoUrl: string
  peerId: string
  /** SIGKILLs the process and waits until it is gone. */
  kill(): Promise<void>
  /** Starts the relay again (same data directory, same ports) and waits for its ready line. */
  restart(): Promise<void>
  /** Stops the process if it runs (SIGTERM). */
  stop(): Promise<void>
}

/** The relay's four ports, fixed (free a moment ago), so a restart listens where the first run did. */
export async function fixedPorts (): Promise<string[]> {
  return ['--ws-port', String(await freePort()), '--webrtc-port', String(await freePort()), '--tcp-port', String(await freePort()), '--http-port', String(await freePort())]
}

function running (relay: RelayProcess): boolean {
  return relay.process.exitCode == null && relay.process.signalCode == null
}

/** SIGKILLs a relay process and resolves once it has exited. */
export async function killRelay (relay: RelayProcess): Promise<void> {
  if (!running(relay)) return
  const exited = once(relay.process, 'exit')
  relay.process.kill('SIGKILL')
  await exited
}

/** Starts a relay on fixed ports that can be killed and restarted as the same relay. */
export async function startRestartableRelay (extraArgs: string[] = []): Promise<RestartableRelay> {
  const args = [...await fixedPorts(), ...extraArgs]
  const first = await startRelay(args)
  const relay: RestartableRelay = {
    current: first,
    infoUrl: first.infoUrl,
    peerId: first.peerId,
    kill: async () => { await killRelay(relay.current) },
    restart: async () => {
      if (running(relay.current)) throw new Error('the relay still runs: kill it first')
      const next = await startRelay(args, { dataDir: first.dataDir })
      if (next.peerId !== first.peerId || next.infoUrl !== first.infoUrl) {
        await next.stop()
        throw new Error(`the restarted relay is not the same: ${next.peerId} at ${next.infoUrl}, was ${first.peerId} at ${first.infoUrl}`)
      }
      relay.current = next
    },
    stop: async () => {
      if (running(relay.current)) await relay.current.stop()
    }
  }
  return relay
}

/** Milliseconds since `start` (from `performance.now()`), rounded. */
export function since (start: number): number {
  return Math.round(performance.now() - start)
}

/** The page's one-word network health in the header: "Online" (a relay holds a reservation), "Connecting…", "Offline"… */
export function health (app: AppPage): Locator {
  return app.page.getByRole('banner').getByText(/^(Starting…|Online|Connecting…|Offline|Not running)$/)
}

/** Waits until the page is reachable through a relay again ("Online" in the header), whatever page it shows. */
export async function waitOnline (app: AppPage, timeout?: number): Promise<void> {
  await expect(health(app)).toHaveText('Online', timeout == null ? {} : { timeout })
}

/** Waits until the page has lost every relay ("Offline" or "Connecting…" in the header). */
export async function waitRelayless (app: AppPage, timeout?: number): Promise<void> {
  await expect(health(app)).toHaveText(/^(Offline|Connecting…)$/, timeout == null ? {} : { timeout })
}
