import { describe, expect, expectTypeOf, it } from 'vitest'
import type { Files, Peerlink, RelayStatus, Room, TransferStatus } from '@peerlink/core'
import { subscribe, type EventOf, type EventType } from '../src/lib/shared/subscribe.ts'

interface TestEvents {
  'count': CustomEvent<number>
  'named': CustomEvent<{ name: string }>
  /** Wider than `named`'s detail: a handler for `named` must still get `named`'s type. */
  'any-name': CustomEvent<{ name: string } | { id: string }>
}

/** A typed event target shaped as core's (main-event's TypedEventEmitter). */
class Emitter extends EventTarget {
  override addEventListener<K extends keyof TestEvents> (type: K, listener: ((evt: TestEvents[K]) => void) | { handleEvent: (evt: TestEvents[K]) => void } | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener as EventListener, options)
  }

  override removeEventListener<K extends keyof TestEvents> (type: K, listener?: ((evt: TestEvents[K]) => void) | { handleEvent: (evt: TestEvents[K]) => void } | null, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener as EventListener, options)
  }

  emit<K extends keyof TestEvents> (type: K, detail: TestEvents[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail }))
  }
}

describe('subscribe', () => {
  it('calls each handler with its events until unsubscribed', () => {
    const target = new Emitter()
    const counts: number[] = []
    const names: string[] = []
    const unsubscribe = subscribe(target, {
      count: e => { counts.push(e.detail) },
      named: e => { names.push(e.detail.name) }
    })
    target.emit('count', 1)
    target.emit('named', { name: 'Ann' })
    target.emit('any-name', { id: 'x' })
    target.emit('count', 2)
    expect(counts).toEqual([1, 2])
    expect(names).toEqual(['Ann'])
    unsubscribe()
    target.emit('count', 3)
    target.emit('named', { name: 'Bob' })
    expect(counts).toEqual([1, 2])
    expect(names).toEqual(['Ann'])
    unsubscribe() // a second call does nothing
  })

  it('adds one listener per handler, the same function for several types included', () => {
    const target = new Emitter()
    let calls = 0
    const refresh = (): void => { calls++ }
    const unsubscribe = subscribe(target, { count: refresh, named: refresh })
    target.emit('count', 1)
    target.emit('named', { name: 'Ann' })
    expect(calls).toBe(2)
    unsubscribe()
    target.emit('count', 1)
    expect(calls).toBe(2)
  })

  it('types each handler from the target\'s event map', () => {
    expectTypeOf<EventType<Emitter>>().toEqualTypeOf<'count' | 'named' | 'any-name'>()
    expectTypeOf<EventOf<Emitter, 'count'>>().toEqualTypeOf<CustomEvent<number>>()
    expectTypeOf<EventOf<Emitter, 'named'>>().toEqualTypeOf<CustomEvent<{ name: string }>>()
    expectTypeOf<EventOf<Emitter, 'any-name'>>().toEqualTypeOf<CustomEvent<{ name: string } | { id: string }>>()
    // core's emitters
    expectTypeOf<EventOf<Peerlink, 'relay:lost'>>().toEqualTypeOf<CustomEvent<RelayStatus>>()
    expectTypeOf<EventOf<Room, 'message:added'>['detail']['text']>().toEqualTypeOf<string>()
    expectTypeOf<EventOf<Files, 'transfer:added'>>().toEqualTypeOf<CustomEvent<TransferStatus>>()
    expectTypeOf<EventOf<Files, 'transfer:removed'>['detail']>().toEqualTypeOf<{ cid: string }>()

    const target = new Emitter()
    // @ts-expect-error not an event of the target
    subscribe(target, { nope: () => {} })
    // @ts-expect-error a handler for another event's type
    subscribe(target, { count: (e: CustomEvent<string>) => { void e } })
  })
})
