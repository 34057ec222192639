/**
 * What the app tells its user about this browser's identity, and the browser
 * hooks that keep it: a trace of the PeerId that survives an IndexedDB-only
 * clear, the moments to check the stored key, a copy of the key handed from an
 * unloading page to the next one in its tab, persistent storage.
 */

/**
 * `created`: no identity was stored and nothing says there was one: a first run (or one after every trace was cleared).
 * `lost`: no identity was stored, but this browser ran as `previous` (its data was cleared): a new one was created.
 * `restored`: the stored identity was removed while the app ran, and written back (by this page, or by the next one
 * from the copy the page handed over as it unloaded).
 * `replaced`: another identity is stored now (imported, maybe in another tab); this page runs as the old one.
 * `unsaved`: the identity could not be stored (`reason`: the storage is full, say), on a first run or when written back.
 * `unavailable`: the browser lets the site store nothing (`reason`): the identity lasts as long as this page.
 */
export type IdentityNotice =
  | { kind: 'created' }
  | { kind: 'lost', previous: string }
  | { kind: 'restored' }
  | { kind: 'replaced' }
  | { kind: 'unsaved', reason: string }
  | { kind: 'unavailable', reason: string }

/** localStorage key of the PeerId this browser last ran as (public, not a secret). */
export const LAST_PEER_ID_KEY = 'peerlink:last-peer-id'

/**
 * sessionStorage key of the identity a page hands to the next page in its tab
 * as it unloads (taken, and removed, as the next page starts).
 */
export const HANDOVER_KEY = 'peerlink:identity-handover'

/** How often the running app checks that its identity is still stored. */
export const IDENTITY_CHECK_MS = 30_000

/** The PeerId this browser last ran as, if localStorage kept it (it survives an IndexedDB-only clear, not "Clear site data"). */
export function lastPeerId (storage: Pick<Storage, 'getItem'> | undefined = localStorageOrNothing()): string | undefined {
  try {
    return storage?.getItem(LAST_PEER_ID_KEY) ?? undefined
  } catch {
    return undefined
  }
}

export function rememberPeerId (peerId: string, storage: Pick<Storage, 'setItem'> | undefined = localStorageOrNothing()): void {
  try {
    storage?.setItem(LAST_PEER_ID_KEY, peerId)
  } catch {
    // no localStorage (blocked): only the first-run notice can be shown after a clear
  }
}

/**
 * Hands the running key (as an identity file, see exportIdentity) to the next
 * page of this tab (a reload), in sessionStorage: an unloading page cannot finish an IndexedDB write (measured
 * in Chromium: a write issued in \`pagehide\` did not land, and after a clear the
 * page's IndexedDB connection is closed and reopening it is asynchronous), but
 * a sessionStorage write is synchronous. It is no more exposed there than in
 * IndexedDB (the same origin, the same profile), lives only as long as the tab
 * and is removed by the next page as it starts.
 */
export function handOver (identityFile: string, storage: Pick<Storage, 'setItem'> | undefined = sessionStorageOrNothing()): void {
  try {
    storage?.setItem(HANDOVER_KEY, identityFile)
  } catch {
    // no sessionStorage (blocked, full): a reload straight after a clear gets a new identity, and says so
  }
}

/** Takes (reads and removes) the identity file a previous page of this tab handed over, if any. */
export function takeHandover (storage: Pick<Storage, 'getItem' | 'removeItem'> | undefined = sessionStorageOrNothing()): string | undefined {
  try {
    const text = storage?.getItem(HANDOVER_KEY)
    if (text == null) return undefined
    storage?.removeItem(HANDOVER_KEY)
    return text
  } catch {
    return undefined
  }
}

/** Asks the browser to keep this site's storage under pressure (never blocks; the answer is the browser's). */
export function requestPersistence (storage: StorageManager | undefined = globalThis.navigator?.storage): void {
  storage?.persist?.().catch(() => {})
}

/**
 * Calls `check` when the page is shown or hidden (visibilitychange), gets the
 * focus, and every IDENTITY_CHECK_MS; as the page unloads (`pagehide`) it hands
 * `identityFile` over to the next page of the tab (see {@link handOver}), and takes
 * them back when the page is shown again from the back/forward cache.
 */
export class IdentityWatch {
  readonly #timer: ReturnType<typeof setInterval>
  readonly #onEvent = (): void => { this.check() }
  readonly #onPageHide = (): void => { handOver(this.identityFile) }
  readonly #onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) takeHandover()
    this.check()
  }

  constructor (private readonly identityFile: string, private readonly check: () => void) {
    document.addEventListener('visibilitychange', this.#onEvent)
    window.addEventListener('focus', this.#onEvent)
    window.addEventListener('pagehide', this.#onPageHide)
    window.addEventListener('pageshow', this.#onPageShow)
    this.#timer = setInterval(this.#onEvent, IDENTITY_CHECK_MS)
  }

  dispose (): void {
    document.removeEventListener('visibilitychange', this.#onEvent)
    window.removeEventListener('focus', this.#onEvent)
    window.removeEventListener('pagehide', this.#onPageHide)
    window.removeEventListener('pageshow', this.#onPageShow)
    clearInterval(this.#timer)
  }
}

function sessionStorageOrNothing (): Storage | undefined {
  try {
    return globalThis.sessionStorage
  } catch {
    return undefined
  }
}

function localStorageOrNothing (): Storage | undefined {
  try {
    return globalThis.localStorage
  } catch {
    return undefined
  }
}
