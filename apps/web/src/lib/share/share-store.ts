/**
 * What another app shared to Peerlink through the system's share sheet (Web
 * Share Target): the service worker keeps it here, in IndexedDB, until the
 * share view sends it to a room or by link. Files are stored as the Blobs the
 * form data gave (the browser keeps large ones on disk, not in memory).
 * No service-worker or page globals beyond IndexedDB: used by both.
 */
import { createStore, del, entries, get, set, type UseStore } from 'idb-keyval'

/** How long a share waits to be used before it is dropped. */
export const SHARE_TTL_MS = 24 * 60 * 60 * 1000

/** A share as stored: what the other app gave, and when. */
export interface StoredShare {
  id: string
  /** Epoch ms. */
  created: number
  title: string
  text: string
  url: string
  files: File[]
}

/** The shares waiting to be used, by id. */
export class ShareStore {
  readonly #store: UseStore

  constructor (store: UseStore = createStore('peerlink-shares', 'shares')) {
    this.#store = store
  }

  async put (share: StoredShare): Promise<void> {
    await set(share.id, share, this.#store)
  }

  /** The share `id`, unless it is missing or older than SHARE_TTL_MS (then it is dropped). */
  async get (id: string, now = Date.now()): Promise<StoredShare | undefined> {
    const share = await get<StoredShare>(id, this.#store)
    if (share == null) return undefined
    if (now - share.created > SHARE_TTL_MS) {
      await this.delete(id)
      return undefined
    }
    return share
  }

  async delete (id: string): Promise<void> {
    await del(id, this.#store)
  }

  /** Drops every share older than SHARE_TTL_MS (shares nobody used keep no files for long). */
  async prune (now = Date.now()): Promise<void> {
    for (const [id, share] of await entries<string, StoredShare>(this.#store)) {
      if (now - share.created > SHARE_TTL_MS) await this.delete(id)
    }
  }
}

/**
 * A share from a share target's form data (`title`, `text`, `url`, `files`);
 * an empty file field (no file picked: no name, no bytes) is no file.
 */
export function shareOf (data: FormData, id: string, now = Date.now()): StoredShare {
  const field = (name: string): string => {
    const value = data.get(name)
    return typeof value === 'string' ? value.trim() : ''
  }
  const files = data.getAll('files').filter((v): v is File => typeof v !== 'string' && !(v.name === '' && v.size === 0))
  return { id, created: now, title: field('title'), text: field('text'), url: field('url'), files }
}
