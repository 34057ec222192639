import { parseRelayList } from './settings-api.ts'
import { errorMessage } from '../shared/errors.ts'
import { relayText, resolveRelayConfig, saveRelayText, urlWithoutRelayParams } from './relay-config.ts'
import type { Session } from '../session/session.svelte.ts'

/** The relay list editor: validates, saves and applies by restarting the peer. */
export class RelaySettings {
  /** Messages of invalid entries (nothing was saved) or of a failed save. */
  errors = $state.raw<string[]>([])
  saving = $state(false)
  /** What the last successful save did. */
  message = $state<string>()

  /** The user's edit; undefined shows the relays in effect. */
  #edited = $state<string>()

  constructor (private readonly session: Session) {}

  /** The textarea's content: the user's edit, else the relays in effect. */
  get text (): string {
    return this.#edited ?? relayText(this.session.relayConfig?.relays ?? [])
  }

  set text (value: string) {
    this.#edited = value
    this.message = undefined
  }

  get dirty (): boolean {
    return this.#edited != null && this.#edited !== relayText(this.session.relayConfig?.relays ?? [])
  }

  /** Drops the edit, showing the relays in effect again. */
  reset (): void {
    this.#edited = undefined
    this.errors = []
    this.message = undefined
  }

  /**
   * Saves the list when every entry is valid (a blank list goes back to the
   * default) and restarts the peer with it. `?relay=` parameters are removed
   * from the address bar so that a reload keeps the saved list.
   */
  async save (): Promise<void> {
    const text = this.text
    const { errors } = parseRelayList(text)
    this.message = undefined
    this.errors = errors.map(e => e.message)
    if (errors.length > 0) return
    this.saving = true
    try {
      await saveRelayText(text)
      if (urlWithoutRelayParams() !== location.href) {
        history.replaceState(history.state, '', urlWithoutRelayParams())
      }
      const config = await resolveRelayConfig()
      this.#edited = undefined
      this.message = config.source === 'default' ? 'Using the default relays.' : 'Saved.'
      await this.session.restart(config)
    } catch (err) {
      this.errors = [`Could not save the relays: ${errorMessage(err)}`]
    } finally {
      this.saving = false
    }
  }
}
