import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import type { KeyStore } from './key-store.js'
import type { PrivateKey } from '@libp2p/interface'

const log = logger('peerlink:identity')

/**
 * What a check of the stored identity found:
 * `kept`: the store holds the running key;
 * `restored`: the store held no key (site data was cleared) and the running key was written back;
 * `replaced`: the store holds another key (imported, maybe in another tab): left as it is, the
 * running key is used until the page reloads.
 */
export type IdentityCheck = 'kept' | 'restored' | 'replaced'

/**
 * Keeps the running identity in its store: a browser's storage can be cleared
 * while the app runs ("Clear site data", storage pressure), and the next start
 * would then create a new identity, a new PeerId to everyone. The app calls
 * {@link check} when it may have happened (the page comes back into view or
 * focus, when it is hidden or unloaded, now and then): a key that is gone is
 * written back. With a store that has `setIfAbsent` (IdbKeyStore), the read and
 * the write are one step, so a check started as the page unloads (a reload
 * straight after a clear) can still complete.
 */
export class IdentityKeeper {
  private readonly bytes: Uint8Array
  private checking?: Promise<IdentityCheck>

  constructor (private readonly store: KeyStore, readonly key: PrivateKey) {
    this.bytes = privateKeyToProtobuf(key)
  }

  /**
   * Reads the store, and writes the running key back if it is gone.
   *
   * @throws the store's errors (StorageUnavailableError, StorageFullError in browsers)
   */
  async check (): Promise<IdentityCheck> {
    this.checking ??= this.run().finally(() => { this.checking = undefined })
    return this.checking
  }

  private async run (): Promise<IdentityCheck> {
    let stored: Uint8Array | undefined
    if (hasSetIfAbsent(this.store)) {
      stored = await this.store.setIfAbsent(this.bytes)
    } else {
      stored = await this.store.get()
      if (stored == null) await this.store.set(this.bytes)
    }
    if (stored == null) {
      log('the stored identity was gone: wrote the running one back')
      return 'restored'
    }
    return sameBytes(stored, this.bytes) ? 'kept' : 'replaced'
  }
}

/** A store that can write a key unless one is stored, in one step (IdbKeyStore: one transaction). */
interface SetIfAbsent {
  setIfAbsent(bytes: Uint8Array): Promise<Uint8Array | undefined>
}

function hasSetIfAbsent (store: KeyStore): store is KeyStore & SetIfAbsent {
  return typeof (store as Partial<SetIfAbsent>).setIfAbsent === 'function'
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
