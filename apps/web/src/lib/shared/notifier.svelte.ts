import { openRouteMessage, type NotificationData } from './notification-open.ts'

/** Whether the app may show notifications: the browser's permission, or `unsupported` without the API. */
export type NotificationState = NotificationPermission | 'unsupported'

/**
 * Notifications shown while the page is hidden: new messages (once the user
 * enabled them, see {@link enable}) and downloads that completed (whose
 * permission is also asked once, on the first download click). They are
 * shown through the service worker's registration where there is one (mobile
 * browsers and the installed app show no others), else from the page.
 * Clicking one that names a route focuses the app and opens that route.
 */
export class Notifier {
  /** The permission as the browser has it now (followed when it changes in the site settings). */
  permission = $state<NotificationState>('unsupported')
  #asked = false
  readonly #win: Window
  readonly #open: (href: string) => void

  /** `open`: opens a route of the app (a clicked notification's). */
  constructor (options: { open?: (href: string) => void, win?: Window } = {}) {
    this.#win = options.win ?? window
    this.#open = options.open ?? (() => {})
    this.#readPermission()
    this.#win.navigator.permissions?.query({ name: 'notifications' }).then(status => {
      status.addEventListener('change', () => { this.#readPermission() })
    }).catch(() => {})
    // the service worker asks for a route when one of its notifications is clicked
    this.#win.navigator.serviceWorker?.addEventListener('message', (event) => {
      const href = openRouteMessage(event.data)
      if (href != null) this.#open(href)
    })
  }

  /** Asks the browser for permission to notify (call it from a click: browsers ignore requests made without one). */
  async enable (): Promise<void> {
    if (typeof Notification === 'undefined') return
    try {
      await Notification.requestPermission()
    } finally {
      this.#readPermission()
    }
  }

  /** Asks for permission once, if not decided yet; never waits for the answer. */
  askOnce (): void {
    if (this.#asked || this.permission !== 'default') return
    this.#asked = true
    this.enable().catch(() => {})
  }

  /**
   * Shows a notification if the page is hidden and notifications are allowed.
   * One with the same `tag` replaces the one shown before.
   */
  notifyIfHidden (title: string, body: string, tag: string, data: NotificationData = {}): void {
    if (this.#win.document.visibilityState !== 'hidden') return
    this.#readPermission()
    if (this.permission !== 'granted') return
    const options: NotificationOptions = { body, tag, icon: 'icon-192.png', data }
    this.#show(title, options).catch(() => {})
  }

  async #show (title: string, options: NotificationOptions): Promise<void> {
    let registration: ServiceWorkerRegistration | undefined
    try {
      registration = await this.#win.navigator.serviceWorker?.getRegistration()
    } catch {
      // no service worker here (a private window, an insecure origin)
    }
    if (registration?.active != null) {
      try {
        await registration.showNotification(title, options)
        return
      } catch {
        // not allowed through the worker: try the page's
      }
    }
    try {
      const notification = new Notification(title, options)
      const href = (options.data as NotificationData).href
      notification.onclick = () => {
        this.#win.focus()
        if (href != null) this.#open(href)
      }
    } catch {
      // not allowed here
    }
  }

  #readPermission (): void {
    this.permission = typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
  }
}
