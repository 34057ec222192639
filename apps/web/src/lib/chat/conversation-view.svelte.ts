import type { DirectMessage, DirectMessages } from './chat-api.ts'
import { keepUnchanged, uniqueById, type LogEntry } from './chat-format.ts'
import { Composer } from './composer.svelte.ts'
import { MessageSearch } from './search.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { subscribe } from '../shared/subscribe.ts'

/** One open direct-message conversation, re-read whenever one of its messages is added or updated. */
export class ConversationView {
  messages = $state.raw<DirectMessage[]>([])
  /** Why the conversation could not be loaded. */
  error = $state<string>()
  readonly safetyNumber: string
  readonly composer: Composer
  /** The entries last shown, read to keep unchanged ones the same objects (not state). */
  #shown: LogEntry[] = []
  /** Messages as log entries, with names as they are known now (an unchanged one is the same object as before). */
  readonly entries: LogEntry[] = $derived.by(() => {
    this.#shown = keepUnchanged(this.#shown, this.messages.map(m => ({
      id: m.id,
      author: m.from,
      authorName: this.nameOf(m.from),
      text: m.text,
      status: m.status,
      own: m.own,
      time: m.sentAt
    })))
    return this.#shown
  })

  /** Search in the conversation. */
  readonly search = new MessageSearch(() => this.entries)

  #loads = 0
  #disposed = false
  readonly #unsubscribe: () => void

  constructor (
    private readonly dms: DirectMessages,
    readonly peerId: string,
    private readonly nameOf: (peerId: string) => string
  ) {
    this.safetyNumber = dms.safetyNumber(peerId)
    this.composer = new Composer(async text => dms.send(peerId, text))
    const onMessage = (evt: CustomEvent<DirectMessage>): void => {
      if (evt.detail.peerId === this.peerId) void this.refresh()
    }
    this.#unsubscribe = subscribe(dms, { 'dm:added': onMessage, 'dm:updated': onMessage, 'storage:cleared': () => { void this.refresh() } })
    void this.refresh()
  }

  async refresh (): Promise<void> {
    const load = ++this.#loads
    try {
      const messages = await this.dms.conversation(this.peerId)
      if (load !== this.#loads || this.#disposed) return // a later load superseded this one
      this.messages = uniqueById(messages)
      this.error = undefined
    } catch (err) {
      if (load === this.#loads && !this.#disposed) this.error = `Could not load the conversation: ${errorMessage(err)}`
    }
  }

  dispose (): void {
    this.#disposed = true
    this.search.dispose()
    this.#unsubscribe()
  }
}
