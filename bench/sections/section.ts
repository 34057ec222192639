/** What a part measured on the loopback (./loopback.ts) is given. */
import type { Browser } from '@playwright/test'
import type { BenchOptions } from '../support/options.ts'
import type { Results } from '../support/results.ts'
import type { AppServer, RelayProcess } from '../support/servers.ts'

export interface Loopback {
  options: BenchOptions
  results: Results
  browser: Browser
  app: AppServer
  relay: RelayProcess
  /** The relay's entry for the app's `?relay=`. */
  relays: string[]
}

/** How long a transfer (a file, a streamed video, a swarm round) may take. */
export const TIMEOUT_MS = 600_000
