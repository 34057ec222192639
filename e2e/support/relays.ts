import { expect } from '@playwright/test'
import { startRelay, type RelayProcess } from '../../relay/test/support/relay-process.js'

export interface RelayPair {
  relay1: RelayProcess
  /** Started with `--bootstrap` to relay1's TCP address. */
  relay2: RelayProcess
  /** Stops relay2, then relay1. */
  stop(): Promise<void>
}

/**
 * Two relays, the second bootstrapped to the first, once they are connected
 * (and so share one DHT and the rooms' gossip). Stop them with `stop()`.
 */
export async function startRelayPair (): Promise<RelayPair> {
  const relay1 = await startRelay()
  const relay2 = await startRelay(['--bootstrap', relay1.addr('tcp')])
  const stop = async (): Promise<void> => {
    await relay2.stop()
    await relay1.stop()
  }
  try {
    await expect.poll(async () => {
      const health = await (await fetch(`${relay1.http}/healthz`)).json() as { connections: number }
      return health.connections
    }).toBeGreaterThanOrEqual(1)
  } catch (err) {
    await stop()
    throw err
  }
  return { relay1, relay2, stop }
}
