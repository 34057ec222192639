import { RATE_WINDOW_MS } from './constants.js'

/** Bytes per second over the last RATE_WINDOW_MS. */
export class RateMeter {
  private readonly samples: Array<[number, number]> = []

  add (bytes: number, now = Date.now()): void {
    this.samples.push([now, bytes])
  }

  rate (now = Date.now()): number {
    while (this.samples.length > 0 && (this.samples[0] as [number, number])[0] < now - RATE_WINDOW_MS) this.samples.shift()
    return this.samples.reduce((sum, [, bytes]) => sum + bytes, 0) / (RATE_WINDOW_MS / 1000)
  }
}
