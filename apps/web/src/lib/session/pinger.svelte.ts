import { errorMessage } from '../shared/errors.ts'
import type { Session } from './session.svelte.ts'

/** Pings one peer on demand and keeps the last result. */
export class Pinger {
  busy = $state(false)
  /** Round-trip time of the last successful ping, in ms. */
  rtt = $state<number>()
  error = $state<string>()

  constructor (private readonly session: Session) {}

  async ping (peerId: string): Promise<void> {
    this.busy = true
    this.error = undefined
    try {
      this.rtt = Math.round(await this.session.ping(peerId))
    } catch (err) {
      this.rtt = undefined
      this.error = `Ping failed: ${errorMessage(err)}`
    } finally {
      this.busy = false
    }
  }
}
