/**
 * Notifications for downloads that complete while the page is hidden. The
 * permission is asked once, on the first download click (a user gesture);
 * nothing ever waits for the answer.
 */
export class Notifier {
  #asked = false

  constructor (private readonly win: Window = window) {}

  /** Asks for permission once, if not decided yet. */
  askOnce (): void {
    if (this.#asked || typeof Notification === 'undefined' || Notification.permission !== 'default') return
    this.#asked = true
    Notification.requestPermission().catch(() => {})
  }

  /** Shows a notification if the page is hidden and notifications are allowed. */
  notifyIfHidden (title: string, body: string, tag: string): void {
    if (this.win.document.visibilityState !== 'hidden') return
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
    const options: NotificationOptions = { body, tag, icon: 'icon-192.png' }
    const registration = this.win.navigator.serviceWorker?.controller != null ? this.win.navigator.serviceWorker.ready : undefined
    if (registration != null) {
      // mobile browsers only show notifications through the service worker
      registration.then(async r => r.showNotification(title, options)).catch(() => { this.#plain(title, options) })
    } else {
      this.#plain(title, options)
    }
  }

  #plain (title: string, options: NotificationOptions): void {
    try {
      const notification = new Notification(title, options)
      notification.onclick = () => { this.win.focus() }
    } catch {
      // not allowed here
    }
  }
}
