import { errorMessage } from '../shared/errors.ts'
import { validatePeerId } from './peer-id.ts'
import type { Session } from './session.svelte.ts'
import type { ConnectionInfo } from './session-api.ts'

/** The "connect to a peer by PeerId" form. */
export class ConnectForm {
  peerId = $state('')
  busy = $state(false)
  error = $state<string>()
  /** The connection made by the last successful connect. */
  result = $state.raw<ConnectionInfo>()

  #controller?: AbortController

  constructor (private readonly session: Session) {}

  async connect (): Promise<void> {
    const input = this.peerId.trim()
    this.error = undefined
    this.result = undefined
    const invalid = validatePeerId(input, this.session.peerId)
    if (invalid != null) {
      this.error = invalid
      return
    }
    this.#controller?.abort()
    const controller = this.#controller = new AbortController()
    this.busy = true
    try {
      this.result = await this.session.connect(input, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(30_000)]) })
    } catch (err) {
      if (!controller.signal.aborted) this.error = errorMessage(err)
    } finally {
      if (this.#controller === controller) this.busy = false
    }
  }

  cancel (): void {
    this.#controller?.abort()
    this.busy = false
  }
}
