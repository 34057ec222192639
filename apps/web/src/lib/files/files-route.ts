/**
 * The service worker's files route, `<scope>files/<cid>/<name>`: parsing the
 * address and the Range header, and the response headers. Pure functions (no
 * service-worker globals), shared by the worker and the page that links to it.
 */

/** The path segment, under the app's scope, of files served by the service worker. */
export const FILES_PATH = 'files/'

/** The parameter that asks for `Content-Disposition: attachment`. */
export const DOWNLOAD_PARAM = 'download'

/**
 * The address of a stored file, relative to the app (`files/<cid>/<name>`),
 * for links and `<video src>`. `download` asks the worker for an attachment.
 */
export function fileHref (cid: string, name: string, download = false): string {
  const safeName = name === '' ? 'file' : name
  return `${FILES_PATH}${encodeURIComponent(cid)}/${encodeURIComponent(safeName)}${download ? `?${DOWNLOAD_PARAM}=1` : ''}`
}

/**
 * The CID (and the name, which is informative only) of a files-route path, or
 * undefined if `pathname` is not under `<scopePath>files/`.
 */
export function parseFilePath (pathname: string, scopePath: string): { cid: string, name: string } | undefined {
  const prefix = (scopePath.endsWith('/') ? scopePath : `${scopePath}/`) + FILES_PATH
  if (!pathname.startsWith(prefix)) return undefined
  const [cid = '', ...rest] = pathname.slice(prefix.length).split('/')
  let decodedCid: string
  let name: string
  try {
    decodedCid = decodeURIComponent(cid)
    name = decodeURIComponent(rest.join('/'))
  } catch {
    return { cid: '', name: '' }
  }
  return { cid: decodedCid, name }
}

/** An inclusive byte range of a file. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Reads a Range header for a file of `size` bytes (RFC 9110 §14.2):
 * `undefined` when there is none (or it is one we choose to ignore, such as
 * several ranges or another unit: the whole file is sent), `'unsatisfiable'`
 * for a range that does not fit the file (416), else the range, its end cut
 * at the file's last byte.
 */
export function parseRange (header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header == null) return undefined
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header)
  if (match == null) return undefined // another unit: ignored
  const spec = (match[1] ?? '').trim()
  if (spec.includes(',')) return undefined // several ranges: the whole file instead
  const range = /^(\d*)\s*-\s*(\d*)$/.exec(spec)
  if (range == null) return 'unsatisfiable'
  const [, first = '', last = ''] = range
  if (first === '' && last === '') return 'unsatisfiable'
  if (first === '') {
    // suffix: the last N bytes
    const length = Number(last)
    if (length === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - length), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (!Number.isSafeInteger(start) || start >= size || (last !== '' && Number(last) < start)) return 'unsatisfiable'
  return { start, end }
}

/**
 * `Content-Disposition` for `name`: an ASCII fallback `filename` and the exact
 * name as `filename*` (RFC 6266, RFC 8187).
 */
export function contentDisposition (name: string, kind: 'attachment' | 'inline'): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  const encoded = encodeURIComponent(name).replace(/['()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

/**
 * Types a browser may show in place (for playback and previews); anything
 * else, HTML and SVG in particular, is always an attachment so a shared file
 * can never run script in the app's origin.
 */
export function inlineAllowed (type: string): boolean {
  const t = type.toLowerCase().split(';')[0]?.trim() ?? ''
  if (t === 'image/svg+xml') return false
  return /^(video|audio|image)\/[\w.+-]+$/.test(t) || t === 'text/plain'
}

export interface FileResponseInit {
  name: string
  type: string
  size: number
  /** The parsed Range header. */
  range: ByteRange | 'unsatisfiable' | undefined
  /** `?download=1`: always an attachment. */
  download: boolean
}

/** Status and headers of a files-route response (the body is streamed separately). */
export function fileResponseHead (init: FileResponseInit): { status: number, headers: Headers, range?: ByteRange } {
  const type = init.type === '' ? 'application/octet-stream' : init.type
  const headers = new Headers({
    'Accept-Ranges': 'bytes',
    'Content-Type': type,
    'Content-Disposition': contentDisposition(init.name, init.download || !inlineAllowed(type) ? 'attachment' : 'inline'),
    'X-Content-Type-Options': 'nosniff',
    // whatever the file is, it never runs in the app's origin
    'Content-Security-Policy': "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'",
    'Cache-Control': 'no-store'
  })
  if (init.range === 'unsatisfiable') {
    headers.set('Content-Range', `bytes */${init.size}`)
    headers.set('Content-Type', 'text/plain; charset=utf-8')
    headers.delete('Content-Disposition')
    return { status: 416, headers }
  }
  if (init.range == null) {
    headers.set('Content-Length', String(init.size))
    return { status: 200, headers }
  }
  const { start, end } = init.range
  headers.set('Content-Range', `bytes ${start}-${end}/${init.size}`)
  headers.set('Content-Length', String(end - start + 1))
  return { status: 206, headers, range: init.range }
}
