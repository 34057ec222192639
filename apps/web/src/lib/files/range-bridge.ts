/**
 * Playing a file that is still downloading: the service worker answers the
 * `<video>` element's range requests, but only the page runs the peer that
 * fetches blocks. So for a file not complete in IndexedDB, the worker asks a
 * page over a MessageChannel and the page reads the range through
 * `files.readRange` (which fetches those blocks, and a window ahead of them,
 * before all others), one chunk per pull: nothing is read ahead of the player.
 *
 *   worker → page (postMessage, with a port)  { type: 'peerlink:read-range', cid, offset, length }
 *   worker → page (port)                      { type: 'pull' } | { type: 'cancel' }
 *   page → worker (port)                      { type: 'chunk', bytes } | { type: 'done' } | { type: 'error', name, message }
 */

export const READ_RANGE = 'peerlink:read-range'

export interface ReadRangeRequest {
  type: typeof READ_RANGE
  cid: string
  offset: number
  length: number
}

export type BridgeReply =
  | { type: 'chunk', bytes: ArrayBuffer }
  | { type: 'done' }
  | { type: 'error', name: string, message: string }

export type BridgePull = { type: 'pull' } | { type: 'cancel' }

/** @returns the request, or undefined for any other message (malformed ones included) */
export function parseReadRange (data: unknown): ReadRangeRequest | undefined {
  const d = data as Partial<ReadRangeRequest> | null
  if (typeof d !== 'object' || d == null || d.type !== READ_RANGE) return undefined
  if (typeof d.cid !== 'string' || !/^b[a-z2-7]{40,120}$/.test(d.cid)) return undefined
  if (!isCount(d.offset) || !isCount(d.length)) return undefined
  return { type: READ_RANGE, cid: d.cid, offset: d.offset, length: d.length }
}

/** @returns the reply, or an error reply describing what was malformed */
export function parseReply (data: unknown): BridgeReply {
  const d = data as Partial<Record<string, unknown>> | null
  if (typeof d === 'object' && d != null) {
    if (d.type === 'chunk' && d.bytes instanceof ArrayBuffer) return { type: 'chunk', bytes: d.bytes }
    if (d.type === 'done') return { type: 'done' }
    if (d.type === 'error' && typeof d.name === 'string' && typeof d.message === 'string') return { type: 'error', name: d.name, message: d.message }
  }
  return { type: 'error', name: 'BridgeProtocolError', message: 'the page sent a malformed reply' }
}

function isCount (n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
}

/** What the page side needs of the peer's files. */
export interface RangeReader {
  readRange(cid: string, offset: number, length: number, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array>
}

/**
 * Page side: answers the worker's range reads with `reader` (the running
 * peer's files, or undefined while none runs). Returns the function that
 * stops listening.
 */
export function serveRangeReads (container: Pick<ServiceWorkerContainer, 'addEventListener' | 'removeEventListener'>, reader: () => RangeReader | undefined): () => void {
  const onMessage = (event: MessageEvent): void => {
    const request = parseReadRange(event.data)
    const port = event.ports[0]
    if (request == null || port == null) return
    answer(port, request, reader())
  }
  container.addEventListener('message', onMessage as EventListener)
  return () => { container.removeEventListener('message', onMessage as EventListener) }
}

function answer (port: MessagePort, request: ReadRangeRequest, reader: RangeReader | undefined): void {
  const controller = new AbortController()
  const send = (reply: BridgeReply, transfer: Transferable[] = []): void => { port.postMessage(reply, transfer) }
  if (reader == null) {
    send({ type: 'error', name: 'NotStartedError', message: 'Peerlink is not running in this page yet' })
    port.close()
    return
  }
  const chunks = reader.readRange(request.cid, request.offset, request.length, { signal: controller.signal })
  let busy = false
  port.onmessage = async (event: MessageEvent<BridgePull>) => {
    if (event.data?.type === 'cancel') {
      controller.abort()
      port.close()
      void chunks.return(undefined).catch(() => {})
      return
    }
    if (event.data?.type !== 'pull' || busy) return
    busy = true
    try {
      const next = await chunks.next()
      if (next.done === true) {
        send({ type: 'done' })
        port.close()
      } else {
        const bytes = next.value.slice().buffer
        send({ type: 'chunk', bytes }, [bytes])
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err))
      send({ type: 'error', name: error.name, message: error.message })
      port.close()
    } finally {
      busy = false
    }
  }
}
