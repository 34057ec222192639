import type { ConversationSummary, DirectMessage, DirectMessages } from './chat-api.ts'
import { errorMessage } from '../shared/errors.ts'
import { subscribe } from '../shared/subscribe.ts'

/** The list of direct-message conversations, newest first, re-read on every DM event. */
export class DirectMessagesModel {
  conversations = $state.raw<ConversationSummary[]>([])
  error = $state<string>()

  #dms?: DirectMessages
  #loads = 0
  #unsubscribe?: () => void
  readonly #onIncoming?: (peerId: string, message: DirectMessage) => void

  /** `onIncoming`: called with each message received from someone else (not ours, not one read from storage). */
  constructor (options: { onIncoming?: (peerId: string, message: DirectMessage) => void } = {}) {
    this.#onIncoming = options.onIncoming
  }

  get api (): DirectMessages | undefined {
    return this.#dms
  }

  /** Follows `dms` (the running peer's), or nothing when no peer runs. */
  attach (dms: DirectMessages | undefined): void {
    if (dms === this.#dms) return
    this.#unsubscribe?.()
    this.#dms = dms
    const refresh = (): void => { void this.refresh() }
    this.#unsubscribe = dms == null
      ? undefined
      : subscribe(dms, {
        'dm:added': ({ detail }) => {
          refresh()
          if (!detail.own) this.#onIncoming?.(detail.peerId, detail)
        },
        'dm:updated': refresh,
        'storage:cleared': refresh
      })
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
