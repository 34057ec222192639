/** Chromium's `beforeinstallprompt` event (not in the DOM typings): lets the page show the install dialog later. */
interface InstallPromptEvent extends Event {
  prompt: () => Promise<unknown>
  userChoice?: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

/**
 * The browser's offer to install the app (`beforeinstallprompt`, Chromium
 * browsers), kept for an in-app "Install" button; gone once used or once the
 * app is installed.
 */
export class InstallOffer {
  /** The browser offers installation now. */
  available = $state(false)
  #event?: InstallPromptEvent

  constructor (win: Pick<Window, 'addEventListener'> = window) {
    win.addEventListener('beforeinstallprompt', (event) => {
      event.preventDefault() // no mini-infobar: the app shows its own button
      this.#event = event as InstallPromptEvent
      this.available = true
    })
    win.addEventListener('appinstalled', () => {
      this.#event = undefined
      this.available = false
    })
  }

  /** Shows the browser's install dialog (an offer can be used once). */
  async install (): Promise<void> {
    const event = this.#event
    if (event == null) return
    this.#event = undefined
    this.available = false
    try {
      await event.prompt()
    } catch {
      // the browser withdrew the offer
    }
  }
}
