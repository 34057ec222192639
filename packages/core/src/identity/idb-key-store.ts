import { get, set } from 'idb-keyval'
import type { KeyStore } from './key-store.js'

/** IndexedDB key under which the identity is stored (idb-keyval's default store). */
export const IDENTITY_DB_KEY = 'peerlink:identity:v1'

/** Persists the identity key in the browser's IndexedDB. */
export class IdbKeyStore implements KeyStore {
  constructor (private readonly key: string = IDENTITY_DB_KEY) {}

  async get (): Promise<Uint8Array | undefined> {
    const value: unknown = await get(this.key)
    return value instanceof Uint8Array ? value : undefined
  }

  async set (bytes: Uint8Array): Promise<void> {
    await set(this.key, bytes)
  }
}
