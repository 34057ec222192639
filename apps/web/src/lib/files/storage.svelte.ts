/**
 * The browser storage files live in: usage and quota (navigator.storage
 * estimate), and whether it is persistent (asked once, when the first file is
 * shared or downloaded, so the browser does not evict it under pressure).
 */
export class StorageModel {
  /** Bytes used by this origin, when the browser says. */
  usage = $state<number>()
  quota = $state<number>()
  /** Whether the browser keeps our storage under pressure; undefined until known. */
  persisted = $state<boolean>()
  #asked = false
  #timer?: ReturnType<typeof setTimeout>

  constructor (private readonly storage: StorageManager | undefined = globalThis.navigator?.storage) {
    void this.refresh()
    this.storage?.persisted?.().then(p => { this.persisted = p }, () => {})
  }

  get known (): boolean {
    return this.usage != null && this.quota != null
  }

  /** Share of the quota in use, 0..1. */
  get fraction (): number {
    return this.usage != null && this.quota != null && this.quota > 0 ? Math.min(1, this.usage / this.quota) : 0
  }

  async refresh (): Promise<void> {
    try {
      const estimate = await this.storage?.estimate()
      if (estimate == null) return
      this.usage = estimate.usage
      this.quota = estimate.quota
    } catch {
      // no estimate: nothing shown
    }
  }

  /** Refreshes at most every couple of seconds (during transfers usage changes constantly). */
  refreshSoon (): void {
    if (this.#timer != null) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.refresh()
    }, 2000)
  }

  /** Asks for persistent storage, once per page (never blocks: the answer is shown when it comes). */
  persistOnce (): void {
    if (this.#asked) return
    this.#asked = true
    this.storage?.persist?.().then(p => { this.persisted = p }, () => {})
  }
}
