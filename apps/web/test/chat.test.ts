import { describe, expect, it } from 'vitest'
import { dropSummary, keepUnchanged, linkify, linkOf, roomTitle, shortId, timeText, typingText, uniqueById, type LogEntry } from '../src/lib/chat/chat-format.ts'
import { followVisibility } from '../src/lib/chat/presence.ts'
import { appUrl, dmHref, parseRoute } from '../src/lib/shared/routes.ts'
import type { PeerStatus } from '../src/lib/session/session-api.ts'

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

describe('routes', () => {
  it('reads home, room, direct-message and unknown fragments', () => {
    expect(parseRoute('')).toEqual({ kind: 'home' })
    expect(parseRoute('#/')).toEqual({ kind: 'home' })
    expect(parseRoute('#/r/abc/KEY')).toEqual({ kind: 'room', fragment: '/r/abc/KEY', roomId: 'abc' })
    expect(parseRoute('#/r/')).toMatchObject({ kind: 'room', roomId: '' })
    expect(parseRoute(`#/dm/${PEER}`)).toEqual({ kind: 'dm', peerId: PEER })
    expect(parseRoute('#/elsewhere')).toEqual({ kind: 'unknown', fragment: '/elsewhere' })
  })

  it('round-trips a direct-message route', () => {
    expect(parseRoute(dmHref(PEER))).toEqual({ kind: 'dm', peerId: PEER })
  })

  it('builds room links on the page URL without its fragment, keeping ?relay=', () => {
    expect(appUrl('http://app.test/?relay=x#/r/a/b')).toBe('http://app.test/?relay=x')
    expect(appUrl('http://app.test/')).toBe('http://app.test/')
  })
})

describe('chat formatting', () => {
  it('shortens ids and titles rooms', () => {
    expect(shortId(PEER)).toBe('12D3Ko…nXTN')
    expect(shortId('short')).toBe('short')
    expect(roomTitle('1ufAjGWvTZrsWJzNZr97Zw')).toBe('Room 1ufAjG')
    expect(roomTitle('1ufAjGWvTZrsWJzNZr97Zw', 'Book club')).toBe('Book club')
    expect(roomTitle('1ufAjGWvTZrsWJzNZr97Zw', '  ')).toBe('Room 1ufAjG')
  })

  it('makes http and https URLs links, leaving the punctuation after them and every other scheme as text', () => {
    expect(linkify('see https://example.org/a?b=1#c, then http://x.test.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { text: ', then ' },
      { text: 'http://x.test', href: 'http://x.test/' },
      { text: '.' }
    ])
    expect(linkify('(https://en.wikipedia.org/wiki/Foo_(bar))')).toEqual([
      { text: '(' },
      { text: 'https://en.wikipedia.org/wiki/Foo_(bar)', href: 'https://en.wikipedia.org/wiki/Foo_(bar)' },
      { text: ')' }
    ])
    // tried: schemes that run code or read local data, a URL glued to a word, and one that does not parse
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'xhttps://a.test', 'https://', 'no links here', '']) {
      expect(linkify(text)).toEqual([{ text }])
    }
    expect(linkify('HTTPS://A.TEST/Path')).toEqual([{ text: 'HTTPS://A.TEST/Path', href: 'https://a.test/Path' }])
  })

  it('says who is typing', () => {
    expect(typingText([])).toBe('')
    expect(typingText(['Ann'])).toBe('Ann is typing…')
    expect(typingText(['Ann', 'Bob'])).toBe('Ann and Bob are typing…')
    expect(typingText(['Ann', 'Bob', 'Cid'])).toBe('3 people are typing…')
  })

  it('says why frames were ignored', () => {
    expect(dropSummary({ malformed: 2, 'not-author': 1, oversized: 0 })).toBe('2 malformed, 1 changing another member\'s message')
  })

  it('keeps the first of items with the same id, and identical texts with different ids', () => {
    const items = [{ id: 'a', text: 'hi' }, { id: 'b', text: 'hi' }, { id: 'a', text: 'again' }]
    expect(uniqueById(items)).toEqual([{ id: 'a', text: 'hi' }, { id: 'b', text: 'hi' }])
  })

  it('keeps an entry that shows the same as before the same object, and gives every changed one anew', () => {
    // a file's row is a class instance (FileRowView): compared by identity
    class Row { name = 'a.txt' }
    const row = new Row() as unknown as NonNullable<LogEntry['file']>
    const otherRow = new Row() as unknown as NonNullable<LogEntry['file']>
    const entry = (id: string, extra: Partial<LogEntry> = {}): LogEntry => ({
      id, author: PEER, authorName: 'Ann', text: `text ${id}`, status: 'sent', own: false, time: 1,
      quote: { id: 'q', authorName: 'Bob', text: 'asked', state: 'shown' },
      reactions: [{ emoji: '👍', count: 1, names: ['Bob'], mine: false }],
      file: row,
      ...extra
    })
    const before = [entry('a'), entry('b'), entry('c'), entry('d'), entry('e'), entry('f'), entry('g')]
    const next = [
      entry('a'), // the same
      entry('b', { status: 'seen' }),
      entry('c', { reactions: [{ emoji: '👍', count: 2, names: ['Bob', 'Cid'], mine: false }] }),
      entry('d', { quote: { id: 'q', authorName: 'Bob', text: 'asked', state: 'deleted' } }),
      entry('e', { edited: true }), // a field the earlier one lacks
      entry('f', { file: otherRow }), // another row object, though alike
      entry('g', { authorName: 'Ann B.' }),
      entry('h') // new
    ]
    const kept = keepUnchanged(before, next)
    expect(kept).toEqual(next)
    expect(kept[0]).toBe(before[0])
    for (let i = 1; i < next.length; i++) expect(kept[i], next[i]?.id).toBe(next[i])
    // an entry keeps its object however the log around it changed (reordered, one gone)
    const again = keepUnchanged(kept, [entry('h'), entry('a')])
    expect(again[0]).toBe(kept[7])
    expect(again[1]).toBe(before[0])
    expect(keepUnchanged([], next)).toBe(next)
  })

  it('tells direct, TURN and relayed connections apart', () => {
    const withPath = (path: string): PeerStatus[] => [{ peerId: PEER, connection: { path } }] as unknown as PeerStatus[]
    expect(linkOf(withPath('direct'), PEER)).toBe('direct')
    expect(linkOf(withPath('turn'), PEER)).toBe('turn')
    expect(linkOf(withPath('relayed'), PEER)).toBe('relayed')
    expect(linkOf(withPath('direct'), 'someone-else')).toBeUndefined()
  })
})

describe('followVisibility', () => {
  function fakeWindow (): Window & { document: { visibilityState: string } } {
    const document = Object.assign(new EventTarget(), { visibilityState: 'visible' })
    return Object.assign(new EventTarget(), { document }) as unknown as Window & { document: { visibilityState: string } }
  }

  it('reports away while the page is hidden', () => {
    const win = fakeWindow()
    const calls: boolean[] = []
    const stop = followVisibility(away => calls.push(away), win)
    win.document.visibilityState = 'hidden'
    win.document.dispatchEvent(new Event('visibilitychange'))
    stop()
    win.document.dispatchEvent(new Event('visibilitychange'))
    expect(calls).toEqual([false, true])
  })

  it('does not report away while the page unloads', () => {
    const win = fakeWindow()
    const calls: boolean[] = []
    followVisibility(away => calls.push(away), win)
    win.dispatchEvent(new Event('pagehide'))
    win.document.visibilityState = 'hidden'
    win.document.dispatchEvent(new Event('visibilitychange'))
    expect(calls).toEqual([false])
    win.document.visibilityState = 'visible'
    win.dispatchEvent(new Event('pageshow'))
    expect(calls).toEqual([false, false])
  })
})

describe('timeText', () => {
  it('shows the clock for a time today and the day before it for another day, as the locale writes them', () => {
    const now = new Date(2025, 2, 3, 18, 30).getTime()
    const today = new Date(2025, 2, 3, 14, 5)
    const earlier = new Date(2025, 1, 27, 9, 7)
    const clock = (d: Date): string => d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    expect(timeText(today.getTime(), now)).toBe(clock(today))
    expect(timeText(earlier.getTime(), now)).toBe(`${earlier.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${clock(earlier)}`)
    expect(timeText(earlier.getTime(), now)).not.toBe(clock(earlier))
  })
})
