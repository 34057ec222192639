/**
 * Answers `GET|HEAD <scope>files/<cid>/<name>` from the files this browser
 * holds: a streamed Response pulling decrypted segments one at a time (never
 * the whole file in memory), with Range support for media elements.
 */
import { DOWNLOAD_PARAM, fileResponseHead, parseFilePath, parseRange } from '../lib/files/files-route.ts'

/** What the route needs of an opened file (core's SharedFile has it). */
export interface ServableFile {
  readonly manifest: { name: string, type: string, size: number }
  read(options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array>
  readRange(offset: number, length: number, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array>
}

/** Opens a stored file by root CID, or says why it cannot be served. */
export type OpenStoredFile = (cid: string) => Promise<{ file: ServableFile } | { missing: string }>

export async function serveFile (request: Request, scopePath: string, open: OpenStoredFile): Promise<Response> {
  const url = new URL(request.url)
  const path = parseFilePath(url.pathname, scopePath)
  if (path == null || path.cid === '') return text(404, 'Not found: a file address is files/<cid>/<name>.')
  let opened
  try {
    opened = await open(path.cid)
  } catch (err) {
    return text(500, `Could not read file ${path.cid} from this browser's storage: ${err instanceof Error ? err.message : String(err)}`)
  }
  if ('missing' in opened) return text(404, opened.missing)
  const { file } = opened
  const { name, type, size } = file.manifest
  const head = fileResponseHead({
    name,
    type,
    size,
    range: parseRange(request.headers.get('Range'), size),
    download: url.searchParams.has(DOWNLOAD_PARAM) && url.searchParams.get(DOWNLOAD_PARAM) !== '0'
  })
  if (head.status === 416) {
    return new Response(request.method === 'HEAD' ? null : `Range not satisfiable: the file has ${size} bytes.\n`, { status: 416, headers: head.headers })
  }
  if (request.method === 'HEAD') return new Response(null, { status: head.status, headers: head.headers })
  const chunks = head.range == null ? file.read() : file.readRange(head.range.start, head.range.end - head.range.start + 1)
  return new Response(streamOf(chunks), { status: head.status, headers: head.headers })
}

/** A byte stream that pulls one chunk at a time from `chunks` (backpressure: nothing is read ahead of the consumer). */
export function streamOf (chunks: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull (controller) {
      try {
        const next = await chunks.next()
        if (next.done === true) controller.close()
        else controller.enqueue(next.value)
      } catch (err) {
        controller.error(err)
      }
    },
    async cancel () {
      await chunks.return(undefined)
    }
  }, { highWaterMark: 1 })
}

function text (status: number, body: string): Response {
  return new Response(`${body}\n`, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } })
}
