/**
 * Buffers for received blocks, used again once a block is stored. In headless
 * Chromium here a fresh 256 KiB ArrayBuffer cost 1.2–2.2 ms (the memory is
 * mapped and zeroed) against ~6 µs to copy into one already in use: a download
 * of 256 blocks spent about as much of its main thread allocating them as
 * hashing them. Only buffers of exactly `size` bytes are kept.
 */
export class BufferPool {
  private readonly free: Uint8Array[] = []

  /**
   * @param size - the size of the buffers kept (a full block)
   * @param max - most free buffers kept
   */
  constructor (private readonly size: number, private readonly max: number) {}

  /** A buffer of `length` bytes (with old contents): one kept, if it is the pooled size. */
  take (length: number): Uint8Array {
    if (length === this.size) {
      const buffer = this.free.pop()
      if (buffer != null) return buffer
    }
    return new Uint8Array(length)
  }

  /** Gives back a buffer from `take` that nothing refers to any more. */
  give (buffer: Uint8Array): void {
    if (buffer.byteLength !== this.size || buffer.byteOffset !== 0 || buffer.buffer.byteLength !== this.size) return
    if (this.free.length < this.max && !this.free.includes(buffer)) this.free.push(buffer)
  }
}
