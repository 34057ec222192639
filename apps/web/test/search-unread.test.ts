import { describe, expect, it } from 'vitest'
import { messageNotification, NOTIFICATION_TEXT_LENGTH } from '../src/lib/chat/message-notification.ts'
import { foldForSearch, SearchIndex, searchQuery, type Searchable } from '../src/lib/chat/message-search.ts'
import { earlierStart, parseStarts, type UnreadStart } from '../src/lib/chat/unread-start.ts'
import { openRouteMessage, OPEN_ROUTE, routeOf } from '../src/lib/shared/notification-open.ts'

const log: Searchable[] = [
  { id: 'a', text: 'Crème BRÛLÉE for dessert' },
  { id: 'b', text: 'see the photo', file: { name: 'Plage-Été.jpg' } },
  { id: 'c', text: 'brulee again?', deleted: true },
  { id: 'd', text: '' , file: { name: 'notes.txt' } },
  { id: 'e', text: 'Straße und Café' }
]

describe('message search', () => {
  it('folds case and accents away', () => {
    expect(foldForSearch('Crème BRÛLÉE')).toBe('creme brulee')
    expect(foldForSearch('Ångström Ñandú')).toBe('angstrom nandu')
    expect(searchQuery('  Crème   brûlée ')).toBe('creme brulee')
  })

  it('finds messages by text and file name, whatever the case and accents, never a deleted one', () => {
    const index = new SearchIndex()
    expect(index.match(log, 'brulee')).toEqual(['a'])
    expect(index.match(log, 'BRÛLÉE')).toEqual(['a'])
    expect(index.match(log, 'plage-ete')).toEqual(['b'])
    expect(index.match(log, 'NOTES')).toEqual(['d'])
    expect(index.match(log, 'cafe')).toEqual(['e'])
    expect(index.match(log, 'e')).toEqual(['a', 'b', 'd', 'e'])
  })

  it('finds nothing for an empty query, one that matches nothing, or one spanning the text and the file name', () => {
    const index = new SearchIndex()
    expect(index.match(log, '')).toEqual([])
    expect(index.match(log, '   ')).toEqual([])
    expect(index.match(log, 'tiramisu')).toEqual([])
    expect(index.match(log, 'photo plage')).toEqual([])
  })

  it('finds an edited message by its latest text only', () => {
    const index = new SearchIndex()
    expect(index.match([{ id: 'x', text: 'see you at noon' }], 'noon')).toEqual(['x'])
    const edited = [{ id: 'x', text: 'see you at five' }]
    expect(index.match(edited, 'noon')).toEqual([])
    expect(index.match(edited, 'five')).toEqual(['x'])
  })
})

describe('where unread messages start', () => {
  const start = (id: string, at: number, counter = 0): UnreadStart => ({ id, at, counter })

  it('keeps the earliest message in the log\'s order (time, counter, id)', () => {
    expect(earlierStart(undefined, start('m1', 100))).toEqual(start('m1', 100))
    expect(earlierStart(start('m1', 100), start('m2', 200))).toEqual(start('m1', 100))
    // older history synced after a newer message
    expect(earlierStart(start('m2', 200), start('m1', 100))).toEqual(start('m1', 100))
    expect(earlierStart(start('m2', 100, 3), start('m1', 100, 1))).toEqual(start('m1', 100, 1))
    expect(earlierStart(start('b', 100, 1), start('a', 100, 1))).toEqual(start('a', 100, 1))
    expect(earlierStart(start('a', 100, 1), start('b', 100, 1))).toEqual(start('a', 100, 1))
  })

  it('reads the stored starts, leaving out what is malformed', () => {
    expect(parseStarts(null)).toEqual({})
    expect(parseStarts('not json')).toEqual({})
    expect(parseStarts('[1]')).toEqual({})
    expect(parseStarts(JSON.stringify({
      'room:r1': start('m1', 100, 2),
      'dm:p': { id: '', at: 1, counter: 0 },
      'room:r2': { id: 'x', at: 'soon', counter: 0 },
      'room:r3': { id: 'x', at: 1, counter: 0.5 },
      'room:r4': 7
    }))).toEqual({ 'room:r1': start('m1', 100, 2) })
  })
})

describe('message notifications', () => {
  it('say the room, the author and the text, or the file for a file alone', () => {
    expect(messageNotification('Book club', 'Ann', 'Who reads\n  Dune?')).toEqual({ title: 'Book club', body: 'Ann: Who reads Dune?' })
    expect(messageNotification('Book club', 'Ann', '', 'dune.pdf')).toEqual({ title: 'Book club', body: 'Ann: dune.pdf' })
    expect(messageNotification('Ann', undefined, 'hello')).toEqual({ title: 'Ann', body: 'hello' })
  })

  it('cut long texts short, never inside an emoji', () => {
    const { body } = messageNotification('Ann', undefined, '😀'.repeat(200))
    expect(Array.from(body)).toHaveLength(NOTIFICATION_TEXT_LENGTH)
    expect(body.endsWith('😀…')).toBe(true)
  })

  it('carry only the app\'s routes to open', () => {
    expect(routeOf({ href: '#/r/abc/KEY' })).toBe('#/r/abc/KEY')
    expect(routeOf({ href: 'https://evil.test/' })).toBeUndefined()
    expect(routeOf({ href: 42 })).toBeUndefined()
    expect(routeOf(null)).toBeUndefined()
    expect(openRouteMessage({ type: OPEN_ROUTE, href: '#/dm/x' })).toBe('#/dm/x')
    expect(openRouteMessage({ type: 'other', href: '#/dm/x' })).toBeUndefined()
    expect(openRouteMessage('#/dm/x')).toBeUndefined()
  })
})
