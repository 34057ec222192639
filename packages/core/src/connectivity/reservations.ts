import { TypedEventEmitter } from 'main-event'

export interface ReservationEvents {
  /** A relay granted (or renewed) our reservation, valid until `expiresAt` (epoch ms). */
  'reservation:created': CustomEvent<{ relay: string, expiresAt: number }>
  /** A reservation was dropped (its relay connection closed, or a renewal failed). */
  'reservation:removed': CustomEvent<{ relay: string }>
}

/** What libp2p's circuit relay transport dispatches on its reservation store (not part of `@libp2p/interface`). */
interface ReservationStoreLike {
  addEventListener: (type: string, listener: (evt: Event) => void) => void
}

interface CreatedDetail {
  relay?: { toString: () => string }
  details?: { reservation?: { expire?: bigint | number } }
}

/**
 * The reservations relays hold for us and when each expires, read from the
 * circuit relay transport (`@libp2p/circuit-relay-v2` keeps them on its
 * transport's `reservationStore`, a public field that `@libp2p/interface`'s
 * `Transport` does not name, so it is read defensively). libp2p renews a
 * reservation before it expires: each renewal is a new `reservation:created`.
 */
export class Reservations extends TypedEventEmitter<ReservationEvents> {
  private readonly expiries = new Map<string, number>()

  /** When the reservation on `relay` (a PeerId) expires, epoch ms; undefined when none is known. */
  expiresAt (relay: string): number | undefined {
    return this.expiries.get(relay)
  }

  /**
   * Wraps the circuit relay transport's factory so that its reservation store's
   * events are followed (a transport without one is returned as it is).
   */
  follow<C, T> (factory: (components: C) => T): (components: C) => T {
    return (components) => {
      const transport = factory(components)
      const store = (transport as { reservationStore?: Partial<ReservationStoreLike> }).reservationStore
      if (typeof store?.addEventListener === 'function') {
        store.addEventListener('relay:created-reservation', (evt) => { this.created((evt as CustomEvent<CreatedDetail>).detail) })
        store.addEventListener('relay:removed', (evt) => { this.removed((evt as CustomEvent<CreatedDetail>).detail) })
      }
      return transport
    }
  }

  private created (detail: CreatedDetail | undefined): void {
    const relay = detail?.relay?.toString()
    const expire = detail?.details?.reservation?.expire
    if (relay == null || expire == null) return
    // the relay says when, in seconds since the epoch
    const expiresAt = Number(expire) * 1000
    this.expiries.set(relay, expiresAt)
    this.safeDispatchEvent('reservation:created', { detail: { relay, expiresAt } })
  }

  private removed (detail: CreatedDetail | undefined): void {
    const relay = detail?.relay?.toString()
    if (relay == null || !this.expiries.delete(relay)) return
    this.safeDispatchEvent('reservation:removed', { detail: { relay } })
  }
}
