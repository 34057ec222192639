import { describe, expect, it } from 'vitest'
import { Reservations } from '../src/connectivity/reservations.js'

describe('Reservations', () => {
  /** A stand-in for the circuit relay transport: an object with a reservation store that dispatches its events. */
  function transportWithStore (): { reservationStore: EventTarget } {
    return { reservationStore: new EventTarget() }
  }
  const relay = { toString: () => '12D3KooWRelay' }

  it('follows the circuit relay transport\'s reservation store: expiry in ms, renewals, removal', () => {
    const reservations = new Reservations()
    const seen: string[] = []
    reservations.addEventListener('reservation:created', e => seen.push(`created ${e.detail.relay} ${e.detail.expiresAt}`))
    reservations.addEventListener('reservation:removed', e => seen.push(`removed ${e.detail.relay}`))
    const transport = reservations.follow(transportWithStore)(undefined)
    const store = transport.reservationStore
    store.dispatchEvent(new CustomEvent('relay:created-reservation', { detail: { relay, details: { reservation: { expire: 1_700_000_000n } } } }))
    expect(reservations.expiresAt('12D3KooWRelay')).toBe(1_700_000_000_000)
    store.dispatchEvent(new CustomEvent('relay:created-reservation', { detail: { relay, details: { reservation: { expire: 1_700_003_600n } } } }))
    expect(reservations.expiresAt('12D3KooWRelay')).toBe(1_700_003_600_000)
    store.dispatchEvent(new CustomEvent('relay:removed', { detail: { relay } }))
    expect(reservations.expiresAt('12D3KooWRelay')).toBeUndefined()
    // a second removal of the same relay says nothing more; a malformed event is ignored
    store.dispatchEvent(new CustomEvent('relay:removed', { detail: { relay } }))
    store.dispatchEvent(new CustomEvent('relay:created-reservation', { detail: { relay } }))
    expect(seen).toEqual(['created 12D3KooWRelay 1700000000000', 'created 12D3KooWRelay 1700003600000', 'removed 12D3KooWRelay'])
  })

  it('returns a transport without a reservation store as it is', () => {
    const plain = { name: 'websockets' }
    expect(new Reservations().follow(() => plain)(undefined)).toBe(plain)
  })
})
