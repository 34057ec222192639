/**
 * The range bridge between the service worker and the page, over real
 * MessageChannels: bytes arrive in order and only as pulled, errors and
 * malformed messages are reported, a cancelled read stops the page's reader.
 */
import { describe, expect, it } from 'vitest'
import { parseReadRange, parseReply, READ_RANGE, serveRangeReads, type RangeReader } from '../src/lib/files/range-bridge.ts'
import { remoteFile } from '../src/sw/remote-file.ts'

const CID = 'bafybeigb27claaglcn7osq6liy324ncdblrpgjnbpycwety3o6akm2ppqa'

/** A page: an EventTarget standing in for navigator.serviceWorker, and the worker's handle on it. */
function page (reader: RangeReader | undefined): { client: { postMessage: (m: unknown, t: Transferable[]) => void }, stop: () => void } {
  const container = new EventTarget()
  const stop = serveRangeReads(container as unknown as ServiceWorkerContainer, () => reader)
  return {
    client: { postMessage: (message, transfer) => { container.dispatchEvent(new MessageEvent('message', { data: message, ports: transfer as MessagePort[] })) } },
    stop
  }
}

async function collect (source: AsyncIterable<Uint8Array>): Promise<number[]> {
  const out: number[] = []
  for await (const chunk of source) out.push(...chunk)
  return out
}

describe('range bridge', () => {
  it('streams the range the page reads, one chunk per pull', async () => {
    const asked: Array<[number, number]> = []
    let produced = 0
    const reader: RangeReader = {
      async * readRange (_cid, offset, length) {
        asked.push([offset, length])
        for (let i = offset; i < offset + length; i += 3) {
          produced++
          yield Uint8Array.from({ length: Math.min(3, offset + length - i) }, (_, k) => (i + k) % 256)
        }
      }
    }
    const { client, stop } = page(reader)
    const file = remoteFile(client, CID, { name: 'a.webm', type: 'video/webm', size: 100 })
    const chunks = file.readRange(10, 8)
    const first = await chunks.next()
    expect([...(first.value as Uint8Array)]).toEqual([10, 11, 12])
    // nothing is read ahead of the consumer: one pull, one chunk
    expect(produced).toBe(1)
    expect(await collect(chunks)).toEqual([13, 14, 15, 16, 17])
    expect(asked).toEqual([[10, 8]])
    expect(await collect(file.read())).toHaveLength(100)
    stop()
  })

  it('passes the page\'s error on by name, and says when no peer runs', async () => {
    const failing: RangeReader = {
      async * readRange () {
        yield new Uint8Array([1])
        throw Object.assign(new Error('the download was stopped'), { name: 'TransferStoppedError' })
      }
    }
    const { client } = page(failing)
    await expect(collect(remoteFile(client, CID, { name: 'x', type: '', size: 10 }).read())).rejects.toMatchObject({ name: 'TransferStoppedError', message: 'the download was stopped' })
    const none = page(undefined)
    await expect(collect(remoteFile(none.client, CID, { name: 'x', type: '', size: 10 }).read())).rejects.toMatchObject({ name: 'NotStartedError' })
  })

  it('stops the page\'s reader when the worker stops reading (a seek)', async () => {
    let returned = false
    const reader: RangeReader = {
      async * readRange () {
        try {
          for (let i = 0; ; i++) yield new Uint8Array([i])
        } finally {
          returned = true
        }
      }
    }
    const { client } = page(reader)
    const chunks = remoteFile(client, CID, { name: 'x', type: '', size: 1000 }).read()
    await chunks.next()
    await chunks.return(undefined)
    await expect.poll(() => returned).toBe(true)
  })

  it('ignores malformed requests and flags malformed replies', () => {
    const tried: unknown[] = [
      null, 'text', { type: 'other' }, { type: READ_RANGE, cid: 'not-a-cid', offset: 0, length: 1 },
      { type: READ_RANGE, cid: CID, offset: -1, length: 1 }, { type: READ_RANGE, cid: CID, offset: 0, length: 1.5 },
      { type: READ_RANGE, cid: CID, offset: 0 }
    ]
    for (const data of tried) expect(parseReadRange(data), JSON.stringify(data)).toBeUndefined()
    expect(parseReadRange({ type: READ_RANGE, cid: CID, offset: 5, length: 7, extra: true })).toEqual({ type: READ_RANGE, cid: CID, offset: 5, length: 7 })
    expect(parseReply({ type: 'chunk', bytes: 'nope' })).toMatchObject({ type: 'error', name: 'BridgeProtocolError' })
    expect(parseReply(undefined)).toMatchObject({ type: 'error' })
  })
})

describe('upload limit setting', () => {
  it('reads ?upload-limit= in bytes per second, with k and m, ignoring malformed values', async () => {
    const { uploadLimitOf } = await import('../src/lib/files/upload-limit.ts')
    const at = (q: string): number => uploadLimitOf(`http://127.0.0.1/${q}`)
    expect(at('')).toBe(0)
    expect(at('?upload-limit=5000')).toBe(5000)
    expect(at('?upload-limit=200k')).toBe(200_000)
    expect(at('?upload-limit=1.5M')).toBe(1_500_000)
    for (const bad of ['-1', 'fast', '1e9', '10 kb', '']) expect(at(`?upload-limit=${encodeURIComponent(bad)}`), bad).toBe(0)
  })

  it('tells a malformed limit from none when parsing one alone', async () => {
    const { parseUploadLimit } = await import('../src/lib/files/upload-limit.ts')
    expect(parseUploadLimit('0')).toBe(0)
    expect(parseUploadLimit(' 500K ')).toBe(500_000)
    for (const bad of ['-1', 'fast', '1e9', '10 kb', '']) expect(parseUploadLimit(bad), bad).toBeUndefined()
  })
})
