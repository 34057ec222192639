/**
 * The share target's pieces that need no browser: reading the share sheet's
 * form data, the text sent with a share, the share route, and the store's
 * expiry (IndexedDB from fake-indexeddb). The whole path, through a real
 * POST navigation and the service worker, is e2e/tests/share-target.spec.ts.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { shareHref } from '../src/lib/share/share-route.ts'
import { SHARE_TTL_MS, ShareStore, shareOf } from '../src/lib/share/share-store.ts'
import { shareText } from '../src/lib/share/share-view.svelte.ts'
import { parseRoute } from '../src/lib/shared/routes.ts'

describe('share target', () => {
  it('reads title, text, url and files from the form data; an empty file field is no file', () => {
    const data = new FormData()
    data.set('title', ' Beach ')
    data.set('url', 'https://example.org/')
    data.append('files', new File([], '', { type: 'application/octet-stream' }))
    data.append('files', new File(['hello'], 'hello.txt', { type: 'text/plain' }))
    const share = shareOf(data, 'id-1', 1000)
    expect(share).toMatchObject({ id: 'id-1', created: 1000, title: 'Beach', text: '', url: 'https://example.org/' })
    expect(share.files.map(f => [f.name, f.size])).toEqual([['hello.txt', 5]])
  })

  it('sends the title, text and URL a line each, leaving out one another already holds', () => {
    expect(shareText({ title: 'A read', text: 'see https://example.org/a', url: 'https://example.org/a' })).toBe('A read\nsee https://example.org/a')
    expect(shareText({ title: '', text: '', url: '' })).toBe('')
  })

  it('routes #/share/<id>, and an id that is not valid percent-encoding is kept as it is', () => {
    expect(parseRoute(shareHref('9f1c-ab'))).toEqual({ kind: 'share', id: '9f1c-ab' })
    expect(parseRoute('#/share/%E0')).toEqual({ kind: 'share', id: '%E0' })
  })

  it('keeps a share a day: an older one reads as missing and is dropped, prune drops the old ones only', async () => {
    const store = new ShareStore()
    const file = new File(['bytes'], 'a.bin')
    await store.put({ id: 'old', created: 0, title: '', text: 'old', url: '', files: [file] })
    await store.put({ id: 'new', created: SHARE_TTL_MS, title: '', text: 'new', url: '', files: [] })
    expect((await store.get('old', SHARE_TTL_MS))?.text).toBe('old')
    await store.prune(SHARE_TTL_MS + 1)
    expect(await store.get('old', SHARE_TTL_MS)).toBeUndefined()
    expect((await store.get('new', SHARE_TTL_MS + 1))?.text).toBe('new')
    expect(await store.get('new', 2 * SHARE_TTL_MS + 1)).toBeUndefined()
    expect(await store.get('new', 0)).toBeUndefined()
  })
})
