/**
 * Where the identity key lives between sessions. Browsers use IndexedDB
 * ({@link IdbKeyStore}); tests and tools use {@link MemoryKeyStore}.
 */
export interface KeyStore {
  /** The stored key bytes (libp2p protobuf encoding), if any. */
  get(): Promise<Uint8Array | undefined>
  set(bytes: Uint8Array): Promise<void>
}

export class MemoryKeyStore implements KeyStore {
  private bytes?: Uint8Array

  async get (): Promise<Uint8Array | undefined> {
    return this.bytes
  }

  async set (bytes: Uint8Array): Promise<void> {
    this.bytes = bytes
  }
}
