import { parseRoute, type Route } from './routes.ts'

/** The current route, following the URL fragment (`hashchange`, back and forward). */
export class Router {
  hash = $state('')
  #listeners: Array<() => void> = []
  readonly #onHashChange = (): void => {
    if (this.win.location.hash === this.hash) return
    this.hash = this.win.location.hash
    for (const listener of [...this.#listeners]) listener()
  }

  constructor (private readonly win: Window = window) {
    this.hash = win.location.hash
    win.addEventListener('hashchange', this.#onHashChange)
  }

  get route (): Route {
    return parseRoute(this.hash)
  }

  /** Calls `listener` after every route change. */
  onChange (listener: () => void): () => void {
    this.#listeners.push(listener)
    return () => { this.#listeners = this.#listeners.filter(l => l !== listener) }
  }

  /** Navigates to `href` (a `#/…` fragment), adding a history entry. */
  go (href: string): void {
    if (this.win.location.hash === href) return
    this.win.location.hash = href
    this.#onHashChange() // at once: hashchange follows asynchronously
  }

  dispose (): void {
    this.win.removeEventListener('hashchange', this.#onHashChange)
    this.#listeners = []
  }
}
