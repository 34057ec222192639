/**
 * Files whose site data is cleared while the service runs: a file held here
 * whose blocks went is no longer complete, a running download starts again,
 * and every transfer record is written back. No network: the download never
 * finds a provider, it only has to be running.
 */
import 'fake-indexeddb/auto'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Files, IdbChunkStore, IdbTransferStore, type FilesComponents } from '../../src/files/index.js'
import { clearSiteData, stopTrackingConnections, trackConnections } from '../support/site-data.js'
import type { FilesCleared } from '../../src/files/transfer/types.js'

/** Just enough of a libp2p node for `Files` to share and start downloads (no network). */
async function components (): Promise<FilesComponents> {
  const events = new TypedEventEmitter()
  const libp2p = {
    peerId: peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
    handle: async () => {},
    unhandle: async () => {},
    getConnections: () => [],
    dialProtocol: async () => { throw new Error('no network in this test') },
    contentRouting: { provide: async () => {}, findProviders: async function * () {} },
    addEventListener: events.addEventListener.bind(events),
    removeEventListener: events.removeEventListener.bind(events)
  }
  return { libp2p: libp2p as unknown as FilesComponents['libp2p'], connectToPeer: async () => { throw new Error('no network in this test') } }
}

function bytesFile (size: number, name: string): { name: string, size: number, slice: (s?: number, e?: number) => Blob } {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536))
  return { name, size, slice: (s, e) => new Blob([bytes]).slice(s, e) }
}

describe('files when the site data is cleared while the service runs', () => {
  beforeEach(() => { trackConnections() })
  afterEach(() => { stopTrackingConnections() })

  it('a shared file whose blocks went fails with StorageClearedError, a running download starts again, and the records are written back', async () => {
    const files = new Files(await components(), { chunks: new IdbChunkStore('files-cleared'), transfers: new IdbTransferStore('transfers-cleared') })
    await files.start()
    const { status: shared } = await files.share(bytesFile(300_000, 'shared.bin'))
    expect(shared.state).toBe('complete')
    // a download of a file nobody serves: it stays running, resolving
    const other = new Files(await components(), { chunks: new IdbChunkStore('files-cleared-other'), transfers: new IdbTransferStore('transfers-cleared-other') })
    await other.start()
    const elsewhere = await other.share(bytesFile(10_000, 'elsewhere.bin'))
    await other.stop()
    const downloading = files.download({ cid: elsewhere.status.cid, key: elsewhere.link.key })
    expect(downloading.state).toBe('resolving')

    // tried: every database deleted and every connection closed by force, as "Clear site data" does
    const said: FilesCleared[] = []
    const done = new Promise<void>(resolve => {
      files.addEventListener('storage:cleared', evt => {
        said.push(evt.detail)
        resolve()
      })
    })
    await clearSiteData()
    await done
    expect(said[0]).toEqual({ lost: [shared.cid], restarted: [downloading.cid] })
    const now = files.get(shared.cid)
    expect(now?.state).toBe('failed')
    expect(now?.error).toMatch(/^StorageClearedError: .*no longer be served/)
    expect(now?.bytes).toBe(0)
    expect(files.get(downloading.cid)?.state).toBe('resolving')
    await files.stop()

    // a restart (a reload) finds both records as they are now
    const again = new Files(await components(), { chunks: new IdbChunkStore('files-cleared'), transfers: new IdbTransferStore('transfers-cleared') })
    await again.start()
    expect(again.get(shared.cid)).toMatchObject({ state: 'failed', direction: 'share', name: 'shared.bin' })
    expect(again.get(downloading.cid)).toMatchObject({ state: 'resolving', direction: 'download' })
    await again.stop()
  })
})
