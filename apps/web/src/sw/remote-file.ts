/**
 * Worker side of the range bridge (see lib/range-bridge.ts): a file still
 * downloading is read through a page, which fetches the blocks as they are
 * needed.
 */
import { parseReply, READ_RANGE, type BridgeReply, type ReadRangeRequest } from '../lib/files/range-bridge.ts'
import type { ServableFile } from './serve-file.ts'

/** How long one chunk may take to come (blocks of a stalled download). */
const PULL_TIMEOUT_MS = 120_000

export interface BridgeClient {
  postMessage(message: ReadRangeRequest, transfer: Transferable[]): void
}

export class BridgeError extends Error {
  constructor (override readonly name: string, message: string) {
    super(message)
  }
}

/** A file served through `client`'s peer; `manifest` is the transfer record's. */
export function remoteFile (client: BridgeClient, cid: string, manifest: ServableFile['manifest']): ServableFile {
  const read = (offset: number, length: number, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> =>
    readThrough(client, { type: READ_RANGE, cid, offset, length }, options.signal)
  return {
    manifest,
    read: (options) => read(0, manifest.size, options),
    readRange: read
  }
}

async function * readThrough (client: BridgeClient, request: ReadRangeRequest, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const channel = new MessageChannel()
  const port = channel.port1
  const replies: BridgeReply[] = []
  let wake: (() => void) | undefined
  port.onmessage = (event) => {
    replies.push(parseReply(event.data))
    wake?.()
  }
  client.postMessage(request, [channel.port2])
  let finished = false
  try {
    while (true) {
      signal?.throwIfAborted()
      port.postMessage({ type: 'pull' })
      const reply = replies.shift() ?? await new Promise<BridgeReply>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new BridgeError('TimeoutError', 'the page did not send the next part of the file in time')) }, PULL_TIMEOUT_MS)
        wake = () => {
          clearTimeout(timer)
          wake = undefined
          resolve(replies.shift() as BridgeReply)
        }
      })
      if (reply.type === 'done') {
        finished = true
        return
      }
      if (reply.type === 'error') {
        finished = true
        throw new BridgeError(reply.name, reply.message)
      }
      yield new Uint8Array(reply.bytes)
    }
  } finally {
    if (!finished) port.postMessage({ type: 'cancel' })
    port.close()
  }
}
