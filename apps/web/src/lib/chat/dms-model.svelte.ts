import type { ConversationSummary, DirectMessages } from './chat-api.ts'
import { errorMessage } from '../shared/errors.ts'

/** The list of direct-message conversations, newest first, re-read on every DM event. */
export class DirectMessagesModel {
  conversations = $state.raw<ConversationSummary[]>([])
  error = $state<string>()

  #dms?: DirectMessages
  #loads = 0
  readonly #refresh = (): void => { void this.refresh() }

  get api (): DirectMessages | undefined {
    return this.#dms
  }

  /** Follows `dms` (the running peer's), or nothing when no peer runs. */
  attach (dms: DirectMessages | undefined): void {
    if (dms === this.#dms) return
    this.#dms?.removeEventListener('dm:added', this.#refresh)
    this.#dms?.removeEventListener('dm:updated', this.#refresh)
    this.#dms = dms
    dms?.addEventListener('dm:added', this.#refresh)
    dms?.addEventListener('dm:updated', this.#refresh)
    void this.refresh()
  }

  async refresh (): Promise<void> {
    const load = ++this.#loads
    const dms = this.#dms
    try {
      const list = dms == null ? [] : await dms.conversations()
      if (load !== this.#loads) return
      this.conversations = [...list].sort((a, b) => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0))
      this.error = undefined
    } catch (err) {
      if (load === this.#loads) this.error = `Could not load conversations: ${errorMessage(err)}`
    }
  }
}
