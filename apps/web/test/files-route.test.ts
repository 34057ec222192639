import { describe, expect, it } from 'vitest'
import { contentDisposition, fileHref, fileResponseHead, inlineAllowed, parseFilePath, parseRange } from '../src/lib/files/files-route.ts'
import { serveFile, type OpenStoredFile, type ServableFile } from '../src/sw/serve-file.ts'

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('files route', () => {
  it('links to files/<cid>/<name> and reads the address back', () => {
    const href = fileHref(CID, 'report 2026/été.pdf', true)
    expect(href).toBe(`files/${CID}/report%202026%2F%C3%A9t%C3%A9.pdf?download=1`)
    const url = new URL(href, 'https://app.test/peerlink/')
    expect(parseFilePath(url.pathname, '/peerlink/')).toEqual({ cid: CID, name: 'report 2026/été.pdf' })
    expect(parseFilePath('/peerlink/index.html', '/peerlink/')).toBeUndefined()
    expect(parseFilePath('/files/%E0%A4%A/x', '/')).toEqual({ cid: '', name: '' })
  })

  it('reads single byte ranges and refuses those that do not fit', () => {
    expect(parseRange(null, 100)).toBeUndefined()
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 })
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=90-1000', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 })
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 })
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=9-5', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=abc', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=-', 100)).toBe('unsatisfiable')
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable')
    // ignored: the whole file is sent
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined()
    expect(parseRange('items=0-1', 100)).toBeUndefined()
  })

  it('names the file in Content-Disposition, exactly and as ASCII', () => {
    expect(contentDisposition('a "b".txt', 'attachment')).toBe('attachment; filename="a _b_.txt"; filename*=UTF-8\'\'a%20%22b%22.txt')
    expect(contentDisposition('été (1).mp4', 'inline')).toBe('inline; filename="_t_ (1).mp4"; filename*=UTF-8\'\'%C3%A9t%C3%A9%20%281%29.mp4')
  })

  it('shows media in place but never HTML or SVG', () => {
    expect(inlineAllowed('video/mp4')).toBe(true)
    expect(inlineAllowed('image/png')).toBe(true)
    expect(inlineAllowed('text/plain; charset=utf-8')).toBe(true)
    expect(inlineAllowed('image/svg+xml')).toBe(false)
    expect(inlineAllowed('text/html')).toBe(false)
    expect(inlineAllowed('')).toBe(false)
    const head = fileResponseHead({ name: 'x.html', type: 'text/html', size: 3, range: undefined, download: false })
    expect(head.headers.get('Content-Disposition')).toMatch(/^attachment;/)
    expect(head.headers.get('Content-Security-Policy')).toMatch(/^sandbox/)
  })
})

describe('serving a stored file', () => {
  const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 251)
  const opened: Array<'read' | 'range'> = []
  /** A file read in 64-byte pieces, like segments. */
  const file: ServableFile = {
    manifest: { name: 'clip.mp4', type: 'video/mp4', size: bytes.byteLength },
    async * read () {
      opened.push('read')
      for (let i = 0; i < bytes.byteLength; i += 64) yield bytes.slice(i, i + 64)
    },
    async * readRange (offset, length) {
      opened.push('range')
      const end = Math.min(bytes.byteLength, offset + length)
      for (let i = offset; i < end; i += 64) yield bytes.slice(i, Math.min(end, i + 64))
    }
  }
  const open: OpenStoredFile = async (cid) => cid === CID ? { file } : { missing: `File ${cid} is not in this browser.` }
  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> =>
    serveFile(new Request(`https://app.test/${path}`, { headers, method }), '/', open)

  it('streams the whole file with its type, length and name', async () => {
    const response = await get(`files/${CID}/clip.mp4?download=1`)
    expect(response.status).toBe(200)
    expect(response.headers.get('Content-Type')).toBe('video/mp4')
    expect(response.headers.get('Content-Length')).toBe('1000')
    expect(response.headers.get('Accept-Ranges')).toBe('bytes')
    expect(response.headers.get('Content-Disposition')).toBe('attachment; filename="clip.mp4"; filename*=UTF-8\'\'clip.mp4')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes)
    expect((await get(`files/${CID}/clip.mp4`)).headers.get('Content-Disposition')).toMatch(/^inline;/)
  })

  it('answers a range with 206 and exactly those bytes', async () => {
    const response = await get(`files/${CID}/clip.mp4`, { Range: 'bytes=100-299' })
    expect(response.status).toBe(206)
    expect(response.headers.get('Content-Range')).toBe('bytes 100-299/1000')
    expect(response.headers.get('Content-Length')).toBe('200')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes.slice(100, 300))
    const tail = await get(`files/${CID}/clip.mp4`, { Range: 'bytes=-10' })
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(990))
  })

  it('answers 416 for a range beyond the end, 404 for unknown files, and HEAD without a body', async () => {
    const bad = await get(`files/${CID}/clip.mp4`, { Range: 'bytes=1000-' })
    expect(bad.status).toBe(416)
    expect(bad.headers.get('Content-Range')).toBe('bytes */1000')
    const missing = await get('files/bafyunknown/x.bin')
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('is not in this browser')
    expect((await get('files/')).status).toBe(404)
    opened.length = 0
    const head = await get(`files/${CID}/clip.mp4`, {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers.get('Content-Length')).toBe('1000')
    expect(head.body).toBeNull()
    expect(opened).toEqual([])
  })

  it('reads only as fast as the consumer pulls, and stops reading when cancelled', async () => {
    let pulled = 0
    const slow: ServableFile = {
      ...file,
      async * read () {
        for (let i = 0; i < 1000; i++) {
          pulled++
          yield new Uint8Array(1024)
        }
      }
    }
    const response = await serveFile(new Request(`https://app.test/files/${CID}/x`), '/', async () => ({ file: slow }))
    const reader = response.body!.getReader()
    await reader.read()
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(pulled).toBeLessThanOrEqual(3)
    await reader.cancel()
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(pulled).toBeLessThanOrEqual(3)
  })
})
