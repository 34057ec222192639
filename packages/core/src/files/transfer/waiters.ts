/**
 * Readers waiting for blocks a download has not stored yet, by CID: each
 * gets the block when it arrives, or the error that stopped the download.
 */
export class BlockWaiters {
  private readonly waiting = new Map<string, Array<{ resolve(bytes: Uint8Array): void, reject(err: Error): void }>>()

  /**
   * Resolves with block `key` when `resolve` hands it over; rejects with
   * `rejectAll`'s error, or with `signal`'s reason when it aborts (this
   * waiter alone stops waiting).
   */
  async wait (key: string, signal?: AbortSignal): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const list = this.waiting.get(key) ?? []
      const onAbort = (): void => {
        const current = this.waiting.get(key)
        const i = current?.indexOf(waiter) ?? -1
        if (i >= 0) current?.splice(i, 1)
        reject(signal?.reason)
      }
      const settled = (): void => { signal?.removeEventListener('abort', onAbort) }
      const waiter = {
        resolve: (bytes: Uint8Array) => { settled(); resolve(bytes) },
        reject: (err: Error) => { settled(); reject(err) }
      }
      list.push(waiter)
      this.waiting.set(key, list)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Hands block `key` to everyone waiting for it; false when nobody was. */
  resolve (key: string, bytes: Uint8Array): boolean {
    const list = this.waiting.get(key)
    this.waiting.delete(key)
    for (const waiter of list ?? []) waiter.resolve(bytes)
    return list != null && list.length > 0
  }

  rejectAll (err: Error): void {
    for (const list of this.waiting.values()) for (const waiter of list) waiter.reject(err)
    this.waiting.clear()
  }
}
