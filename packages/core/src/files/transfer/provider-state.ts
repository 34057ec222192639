/**
 * What a download knows of one provider: its requests in flight, its window,
 * and which blocks it holds, as far as it said so.
 *
 * - A provider that never announced (HAVE) is asked for anything. When it
 *   answers MISSING the block is only "not yet": it is asked again after
 *   `retryMs` (an older peer that does not announce, downloading the same
 *   file, may have it by then).
 * - A new provider is not asked for anything for `waitMs`, or until it
 *   announces: asked blind at once, a downloader that has nothing yet would
 *   answer MISSING to everything, and every downloader would then turn to the
 *   seeder for the same first blocks.
 * - A provider that announces (its first HAVE) is asked only for what it
 *   announced, or for everything once it said it holds `all`. A MISSING for a
 *   block it had not announced when we asked is a "not yet" until it
 *   announces it.
 * - A MISSING for a block it had announced before we asked is a false
 *   announcement: the block is not asked of it again until it announces it
 *   once more, and the download drops a provider after a few of them (see
 *   MAX_FALSE_HAVES).
 */

/** A request: when it was made (ms) and its place in the order of events (see `Scheduler.tick`). */
export interface Asked {
  at: number
  seq: number
}

export interface Provider {
  /** Not asked for anything before this (ms) unless it announces. */
  quietUntil: number
  window: number
  /** CID string → when it was asked for. */
  inFlight: Map<string, Asked>
  /** Blocks this provider said it does not hold → when it may be asked again (ms; Infinity: once it announces them). */
  lacks: Map<string, number>
  /** Whether it announces what it holds (it sent a HAVE). */
  announces: boolean
  /** When it said it holds every block (seq), if it did. */
  all?: number
  /** Blocks it announced and we still want → when (seq). */
  has: Map<string, number>
  /** Blocks it announced, in order, to hand out (skipping those no longer wanted). */
  offers: string[]
  /** MISSING answers for blocks it had announced. */
  falseHaves: number
  delivered: number
  /** When its last few blocks arrived (ms), to measure its rate. */
  arrivals: number[]
}

export function newProvider (window: number, quietUntil: number): Provider {
  return { quietUntil, window, inFlight: new Map(), lacks: new Map(), announces: false, has: new Map(), offers: [], falseHaves: 0, delivered: 0, arrivals: [] }
}

/** Whether `provider` may be asked for block `key` now. */
export function mayServe (provider: Provider, key: string, now: number): boolean {
  const lacks = provider.lacks.get(key)
  if (lacks != null) {
    if (lacks > now) return false
    provider.lacks.delete(key)
  }
  if (!provider.announces) return now >= provider.quietUntil
  return provider.all != null || provider.has.has(key)
}

/**
 * `provider` announced blocks (`all`: every block) at `seq`. Only blocks
 * `wanted` says are still wanted are kept (at most `cap` of them), so a
 * provider cannot make us hold more than the file's blocks.
 */
export function noteHave (provider: Provider, keys: string[], all: boolean, seq: number, wanted: (key: string) => boolean | undefined, cap: number): void {
  provider.announces = true
  if (all) {
    provider.all ??= seq
    provider.lacks.clear()
  }
  for (const key of keys) {
    provider.lacks.delete(key)
    const state = wanted(key)
    if (state === false || provider.has.has(key) || provider.has.size >= cap) continue
    provider.has.set(key, seq)
    if (state === true) provider.offers.push(key)
  }
}

/**
 * `provider` answered MISSING for `key`, asked at `asked` (undefined when it
 * was no longer in flight: cancelled, or timed out). Returns true for a false
 * announcement: it had announced the block before we asked for it.
 */
export function noteMissing (provider: Provider, key: string, asked: Asked | undefined, now: number, retryMs: number): boolean {
  const announced = provider.has.get(key) ?? provider.all
  if (announced != null && asked != null && announced < asked.seq) {
    provider.falseHaves++
    provider.has.delete(key)
    provider.lacks.set(key, Infinity)
    return true
  }
  // announced after we asked (its HAVE crossed our request): asked again
  if (announced != null) return false
  provider.lacks.set(key, provider.announces ? Infinity : now + retryMs)
  return false
}

/**
 * `provider`'s window once a block arrived at `now`: slow start (one more
 * per block) until its rate is measured over a few blocks, then about
 * `queueSeconds` of its deliveries.
 */
export function nextWindow (provider: Provider, now: number, init: { maxWindow: number, queueSeconds: number }): number {
  provider.arrivals.push(now)
  if (provider.arrivals.length > 8) provider.arrivals.shift()
  const perSecond = rate(provider)
  if (perSecond == null) return Math.min(init.maxWindow, provider.window + 1)
  return Math.max(2, Math.min(init.maxWindow, Math.ceil(perSecond * init.queueSeconds) + 1))
}

/** Blocks per second `provider` delivered over its last few blocks; undefined until a few arrived. */
export function rate (provider: Provider): number | undefined {
  const { arrivals } = provider
  if (arrivals.length < 4) return undefined
  const span = ((arrivals[arrivals.length - 1] as number) - (arrivals[0] as number)) / 1000
  return span > 0 ? (arrivals.length - 1) / span : undefined
}

/**
 * The requests in flight at `provider` for `announced` blocks that would take
 * longer than `seconds` to arrive: those behind enough others at its measured
 * rate or, until that is known, any behind another (the oldest may be on its
 * way). Not removed here.
 */
export function slowRequests (provider: Provider, announced: Set<string>, seconds: number): string[] {
  const perSecond = rate(provider)
  const slow: string[] = []
  let ahead = 0
  for (const key of provider.inFlight.keys()) {
    const late = perSecond == null ? ahead >= 1 : (ahead + 1) / perSecond > seconds
    if (announced.has(key) && late) slow.push(key)
    else ahead++
  }
  return slow
}

/** The block is no longer wanted: forgotten. */
export function forget (provider: Provider, key: string): void {
  provider.has.delete(key)
  provider.lacks.delete(key)
}
