/**
 * One way for a model to follow a core object's events: `subscribe(target,
 * { 'message:added': e => …, … })`, each handler typed from the target's
 * event map (core's emitters are main-event `TypedEventEmitter`s), returning
 * the function that removes them all.
 */

/** What {@link subscribe} needs of a target: an event target whose `addEventListener` is typed by an event map. */
export interface EventSource {
  addEventListener: (type: never, listener: never) => void
  removeEventListener: (type: never, listener: never) => void
}

/** The event types `T` emits (the keys of its event map). */
export type EventType<T extends EventSource> = Parameters<T['addEventListener']>[0] & string

/** Every event `T` emits, as one union (what a listener of an unknown type would get). */
type AnyEvent<T extends EventSource> =
  NonNullable<Parameters<T['addEventListener']>[1]> extends infer H ? H extends (event: infer E) => void ? E : never : never

/**
 * The events of the union a listener for `K` accepts. The typed `addEventListener`
 * is a method (its parameters are compared both ways), so this is the event
 * of type `K` and every wider one in the union.
 */
type Accepted<T extends EventSource, K> =
  AnyEvent<T> extends infer E ? E extends unknown ? (T extends { addEventListener: (type: K, listener: (event: E) => void) => void } ? E : never) : never : never

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never

/** The event of type `K` that `T` emits: the narrowest one a listener for `K` accepts. */
export type EventOf<T extends EventSource, K extends EventType<T>> =
  Accepted<T, K> extends infer E ? E extends Intersection<Accepted<T, K>> ? E : never : never

/** Handlers for some of `T`'s events, by event type. */
export type EventHandlers<T extends EventSource> = { [K in EventType<T>]?: (event: EventOf<T, K>) => void }

/**
 * Adds one listener per handler to `target`. Returns the function that removes
 * them (calling it again does nothing).
 *
 * @example
 * const unsubscribe = subscribe(room, { 'message:added': e => { show(e.detail) }, 'members:changed': refresh })
 */
export function subscribe<T extends EventSource> (target: T, handlers: NoInfer<EventHandlers<T>>): () => void {
  const listeners = Object.entries(handlers) as Array<[never, never]>
  for (const [type, listener] of listeners) target.addEventListener(type, listener)
  let subscribed = true
  return () => {
    if (!subscribed) return
    subscribed = false
    for (const [type, listener] of listeners) target.removeEventListener(type, listener)
  }
}
