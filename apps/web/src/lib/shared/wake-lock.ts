/** What {@link ScreenWakeLock} needs of the browser (the Screen Wake Lock API is optional). */
export interface WakeLockHost {
  navigator: { wakeLock?: Pick<WakeLock, 'request'> }
  document: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'>
}

/**
 * Keeps the screen on while it is held (a transfer runs: a phone that turns
 * its screen off suspends the page, and the transfer with it). Where the
 * browser has the Screen Wake Lock API; elsewhere it does nothing. The
 * browser releases the lock when the page is hidden: it is taken again when
 * the page is shown, if still held.
 */
export class ScreenWakeLock {
  #wanted = false
  #sentinel?: WakeLockSentinel
  #requesting = false
  readonly #onVisibility = (): void => { void this.#sync() }

  constructor (private readonly host: WakeLockHost = globalThis) {
    host.document.addEventListener('visibilitychange', this.#onVisibility)
  }

  /** The API exists in this browser. */
  get supported (): boolean {
    return typeof this.host.navigator.wakeLock?.request === 'function'
  }

  /** The screen is kept on now. */
  get held (): boolean {
    return this.#sentinel != null && !this.#sentinel.released
  }

  /** Holds the lock while `wanted`, releases it otherwise. */
  set (wanted: boolean): void {
    if (wanted === this.#wanted) return
    this.#wanted = wanted
    void this.#sync()
  }

  dispose (): void {
    this.host.document.removeEventListener('visibilitychange', this.#onVisibility)
    this.set(false)
  }

  async #sync (): Promise<void> {
    if (!this.supported || this.#requesting) return
    if (!this.#wanted) {
      const sentinel = this.#sentinel
      this.#sentinel = undefined
      await sentinel?.release().catch(() => {})
      return
    }
    if (this.held || this.host.document.visibilityState !== 'visible') return
    this.#requesting = true
    try {
      this.#sentinel = await this.host.navigator.wakeLock!.request('screen')
    } catch {
      // refused (battery saver, a policy): the transfer runs on, the screen may turn off
    } finally {
      this.#requesting = false
    }
    // the wish may have changed while the request ran
    if (!this.#wanted) await this.#sync()
  }
}
