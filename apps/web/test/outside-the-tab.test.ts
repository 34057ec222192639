import { describe, expect, it } from 'vitest'
import { showUnread, type BadgeTarget } from '../src/lib/shared/app-badge.ts'
import { durationText, relayOf } from '../src/lib/shared/format.ts'
import { parseRoute } from '../src/lib/shared/routes.ts'
import { ScreenWakeLock, type WakeLockHost } from '../src/lib/shared/wake-lock.ts'
import { throughput } from '../src/lib/session/throughput.ts'

describe('routes of the views', () => {
  it('reads settings and diagnostics, with or without a trailing slash', () => {
    expect(parseRoute('#/settings')).toEqual({ kind: 'settings' })
    expect(parseRoute('#/diagnostics/')).toEqual({ kind: 'diagnostics' })
    expect(parseRoute('#/settings/more')).toEqual({ kind: 'unknown', fragment: '/settings/more' })
  })
})

describe('showUnread', () => {
  function target (badging = true): BadgeTarget & { badge: number | undefined, calls: string[] } {
    const calls: string[] = []
    const t = {
      document: { title: '' },
      badge: undefined as number | undefined,
      calls,
      navigator: badging
        ? {
            setAppBadge: async (n?: number) => { calls.push(`set ${n}`); t.badge = n },
            clearAppBadge: async () => { calls.push('clear'); t.badge = undefined }
          }
        : {}
    }
    return t
  }

  it('puts the count in the title and on the app\'s badge, and takes both away at zero', () => {
    const t = target()
    showUnread(3, undefined, t)
    expect(t.document.title).toBe('(3) Peerlink')
    expect(t.badge).toBe(3)
    showUnread(0, undefined, t)
    expect(t.document.title).toBe('Peerlink')
    expect(t.calls).toEqual(['set 3', 'clear'])
  })

  it('keeps a subject before the app\'s name', () => {
    const t = target()
    showUnread(2, 'Trip planning', t)
    expect(t.document.title).toBe('(2) Trip planning · Peerlink')
  })

  it('sets only the title where there is no Badging API, and ignores a refused badge', async () => {
    const t = target(false)
    showUnread(5, undefined, t)
    expect(t.document.title).toBe('(5) Peerlink')
    const refusing: BadgeTarget = { document: { title: '' }, navigator: { setAppBadge: async () => { throw new DOMException('not installed', 'NotAllowedError') } } }
    expect(() => { showUnread(1, undefined, refusing) }).not.toThrow()
    await new Promise(resolve => setTimeout(resolve, 0)) // no unhandled rejection
  })
})

describe('ScreenWakeLock', () => {
  function host (visible = true): WakeLockHost & { log: string[], show: (v: boolean) => void } {
    const log: string[] = []
    const document = Object.assign(new EventTarget(), { visibilityState: visible ? 'visible' : 'hidden' as DocumentVisibilityState })
    const wakeLock = {
      request: async () => {
        log.push('request')
        const sentinel = Object.assign(new EventTarget(), {
          released: false,
          type: 'screen' as const,
          release: async () => { sentinel.released = true; log.push('release') },
          onrelease: null
        })
        return sentinel as unknown as WakeLockSentinel
      }
    }
    return {
      log,
      navigator: { wakeLock },
      document: document as unknown as WakeLockHost['document'],
      show: (v) => {
        document.visibilityState = v ? 'visible' : 'hidden'
        document.dispatchEvent(new Event('visibilitychange'))
      }
    }
  }
  const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

  it('holds the lock while wanted and releases it when not', async () => {
    const h = host()
    const lock = new ScreenWakeLock(h)
    lock.set(true)
    await settle()
    expect(lock.held).toBe(true)
    lock.set(true) // already held: no second request
    lock.set(false)
    await settle()
    expect(lock.held).toBe(false)
    expect(h.log).toEqual(['request', 'release'])
  })

  it('asks again when a hidden page (whose lock the browser released) is shown, if still wanted', async () => {
    const h = host(false)
    const lock = new ScreenWakeLock(h)
    lock.set(true)
    await settle()
    expect(h.log).toEqual([]) // a hidden page cannot take the lock
    h.show(true)
    await settle()
    expect(lock.held).toBe(true)
    expect(h.log).toEqual(['request'])
  })

  it('does nothing where the browser has no Screen Wake Lock API', async () => {
    const lock = new ScreenWakeLock({ navigator: {}, document: Object.assign(new EventTarget(), { visibilityState: 'visible' }) as unknown as WakeLockHost['document'] })
    expect(lock.supported).toBe(false)
    lock.set(true)
    await settle()
    expect(lock.held).toBe(false)
  })
})

describe('diagnostics texts and throughput', () => {
  it('writes durations and finds the relay of a relayed address', () => {
    expect(durationText(45_900)).toBe('45 s')
    expect(durationText(12 * 60_000)).toBe('12 min')
    expect(durationText(7_140_000)).toBe('1 h 59 min')
    expect(durationText(7_200_000)).toBe('2 h')
    expect(durationText(-5)).toBe('0 s')
    expect(relayOf('/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWPeer')).toBe('12D3KooWRelay')
    expect(relayOf('/ip4/127.0.0.1/udp/1/webrtc-direct')).toBeUndefined()
  })

  it('gives bytes per second between two readings, nothing for a first reading or counters that restarted', () => {
    const first = { bytesSent: 1000, bytesReceived: 5000, at: 10_000 }
    expect(throughput(undefined, first)).toBeUndefined()
    expect(throughput(first, { bytesSent: 4000, bytesReceived: 5000, at: 12_000 })).toEqual({ sendRate: 1500, receiveRate: 0 })
    expect(throughput(first, { bytesSent: 10, bytesReceived: 20, at: 13_000 })).toBeUndefined()
    expect(throughput(first, { ...first })).toBeUndefined()
  })
})
