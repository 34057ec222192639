import { describe, expect, it } from 'vitest'
import type { TransferStatus } from '@peerlink/core'
import { FileRowFormat } from '../src/lib/files/file-row-format.ts'
import { SaveFlow, type SaveMethods, type SaveState } from '../src/lib/files/file-save-flow.ts'

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const MB = 1_000_000

function transfer (init: Partial<TransferStatus>): TransferStatus {
  return {
    cid: CID, direction: 'download', state: 'downloading', bytes: 0, blocks: 0, rate: 0, peers: 0,
    served: 0, fetched: 0, skipped: 0, duplicates: 0, sources: {}, rejected: {}, ...init
  }
}

function format (status: TransferStatus | undefined, ref: { name?: string, size?: number, type?: string } = {}): FileRowFormat {
  return new FileRowFormat({ cid: CID, ...ref }, () => status, id => id === 'P1' ? 'Ann' : id, type => type === 'video/mp4')
}

describe('file row texts', () => {
  it('shows a file seen in a room, not downloaded here', () => {
    const row = format(undefined, { name: 'a.mp4', size: 2 * MB, type: 'video/mp4' })
    expect(row.state).toBe('available')
    expect([row.transferring, row.canPause, row.canResume, row.canCancel, row.canDelete]).toEqual([false, false, false, false, false])
    expect(row.bytesText).toBe('0 B of 2.00 MB')
    expect(row.rateText).toBe('')
    expect(row.peersText).toBe('')
    expect(row.playable).toBe(true)
    expect(row.href).toBe(`files/${CID}/a.mp4?download=1`)
    expect(row.streamHref).toBe(`files/${CID}/a.mp4`)
    expect(row.stoppedText).toBeUndefined()
  })

  it('shows a download under way, and one whose link is still resolving', () => {
    const row = format(transfer({ name: 'b.bin', size: 4 * MB, bytes: MB, rate: 1_500_000, peers: 2, blocks: 4, totalBlocks: 16 }))
    expect(row.state).toBe('downloading')
    expect(row.percent).toBe(25)
    expect(row.bytesText).toBe('1.00 MB of 4.00 MB')
    expect(row.rateText).toBe('1.50 MB/s')
    expect(row.peersText).toBe('2 peers')
    expect([row.transferring, row.canPause, row.canResume, row.canCancel, row.canDelete]).toEqual([true, true, false, true, false])
    expect(row.dataset).toMatchObject({ 'data-cid': CID, 'data-state': 'downloading', 'data-direction': 'download', 'data-blocks': 4, 'data-total-blocks': 16 })
    expect(row.playable).toBe(false)

    const resolving = format(transfer({ state: 'resolving', peers: 1 }))
    expect(resolving.name).toBe('')
    expect(resolving.saveName).toBe('file')
    expect(resolving.bytesText).toBe('finding the file…')
    expect(resolving.peersText).toBe('1 peer')
    expect(resolving.href).toBe(`files/${CID}/file?download=1`)
  })

  it('shows a file held here', () => {
    const row = format(transfer({ direction: 'share', state: 'complete', name: 'c.txt', size: 1500, bytes: 1500 }))
    expect(row.complete).toBe(true)
    expect(row.bytes).toBe(1500)
    expect(row.bytesText).toBe('1.50 KB')
    expect([row.transferring, row.canCancel, row.canDelete]).toEqual([false, false, true])
  })

  it('says why a download stopped: storage full, a relay\'s limit (naming the peers), or an error', () => {
    const full = format(transfer({ state: 'failed', name: 'd', size: 2 * MB, bytes: MB, error: 'StorageFullError: no space' }))
    expect(full.storageFull).toBe(true)
    expect(full.canResume).toBe(true)
    expect(full.stoppedText).toMatch(/^Storage is full: the download stopped at 1\.00 MB of 2\.00 MB\. Free space .* then press "Resume": what is stored is kept\.$/)

    const limited = format(transfer({ state: 'failed', size: 2 * MB, relayLimit: { limit: MB, peers: ['P1'] } as TransferStatus['relayLimit'] }))
    expect(limited.storageFull).toBe(false)
    expect(limited.stoppedText).toMatch(/^No direct connection to Ann: the relay between you carries only 1\.00 MB per connection/)

    expect(format(transfer({ state: 'failed', error: 'no providers' })).stoppedText).toBe('Download stopped: no providers')
    expect(format(transfer({ state: 'paused' })).stoppedText).toBeUndefined()
  })

  it('says a file held here went with the browser\'s storage: a download can be fetched again, a share is no longer served', () => {
    const error = 'StorageClearedError: the browser\'s storage for this site was cleared'
    const downloaded = format(transfer({ state: 'failed', name: 'e', size: 2 * MB, error }))
    expect([downloaded.storageCleared, downloaded.storageFull, downloaded.complete, downloaded.canDelete, downloaded.canResume]).toEqual([true, false, false, false, true])
    expect(downloaded.stoppedText).toBe('The browser\'s storage for this site was cleared: this file is no longer stored here. Press "Resume" to download it again.')
    const shared = format(transfer({ state: 'failed', direction: 'share', name: 'f', size: 2 * MB, error }))
    expect(shared.stoppedText).toMatch(/^The browser's storage for this site was cleared: this file is no longer stored here, so it can no longer be served to others\. Share it again/)
  })
})

/** A file for the save flow, and a record of what the flow did; `finish` ends the download the save follows. */
function setup (init: { complete: boolean, fsa: boolean, pick?: Promise<FileSystemFileHandle | undefined>, download?: () => void, serve?: () => Promise<void>, fail?: Error }) {
  const file = { name: 'e.bin', saveName: 'e.bin', complete: init.complete, href: `files/${CID}/e.bin?download=1` }
  const states: SaveState[] = []
  const errors: string[] = []
  const did: string[] = []
  const handle = { kind: 'file' } as unknown as FileSystemFileHandle
  let finish: (err?: Error) => void = () => {}
  const downloaded = new Promise<void>((resolve, reject) => { finish = (err) => { if (err == null) resolve(); else reject(err) } })
  downloaded.catch(() => {})
  if (init.complete) finish()
  const methods: SaveMethods = {
    canPickSaveFile: () => init.fsa,
    pickSaveFile: async (name) => { did.push(`pick ${name}`); return init.pick ?? handle },
    writeToHandle: async (_handle, write) => {
      const sink = new WritableStream<Uint8Array>({
        write: (chunk) => { did.push(`write ${chunk.length}`) },
        close: () => { did.push('close') },
        abort: (reason) => { did.push(`abort ${errorText(reason)}`) }
      }).getWriter()
      await write(sink)
    },
    serviceWorkerControls: async () => {},
    fileServed: init.serve ?? (async () => {}),
    downloadInFrame: (href) => { did.push(`frame ${href}`) }
  }
  const flow = new SaveFlow(file, {
    download: init.download ?? (() => { did.push('download') }),
    // as core's files.save: what is here at once, the rest once downloaded; aborted on failure or when stopped
    save: async (sink, signal) => {
      try {
        await sink.write(new Uint8Array(3))
        await new Promise<void>((resolve, reject) => {
          downloaded.then(resolve, reject)
          signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
        })
        await sink.write(new Uint8Array(2))
        await sink.close()
      } catch (err) {
        await sink.abort(err)
        throw err
      }
    },
    onState: state => { states.push(state) },
    onError: message => { errors.push(message) }
  }, methods)
  return { file, flow, states, errors, did, finish }
}

function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

const settle = async (): Promise<void> => { for (let i = 0; i < 20; i++) await Promise.resolve() }

describe('saving a file', () => {
  it('writes a complete file into the picked file at once', async () => {
    const { flow, states, did } = setup({ complete: true, fsa: true })
    flow.click()
    await settle()
    expect(did).toEqual(['pick e.bin', 'write 3', 'write 2', 'close'])
    expect(states).toEqual(['saving', 'saved'])
  })

  it('without a file picker, has the browser download the worker\'s stream', async () => {
    const { flow, states, did } = setup({ complete: true, fsa: false })
    flow.click()
    await settle()
    expect(did).toEqual([`frame files/${CID}/e.bin?download=1`])
    expect(states).toEqual(['saved'])
  })

  it('starts the download and saves into the picked file while it downloads', async () => {
    const { file, flow, states, did, finish } = setup({ complete: false, fsa: true })
    flow.click()
    await settle()
    // picked: what is here is written before the download completes
    expect(did).toEqual(['pick e.bin', 'download', 'write 3'])
    expect(flow.state).toBe('saving')
    file.complete = true
    finish()
    await flow.completed()
    await settle()
    expect(did).toEqual(['pick e.bin', 'download', 'write 3', 'write 2', 'close'])
    expect(states).toEqual(['waiting', 'saving', 'saved'])
  })

  it('without a file picker, waits for the download to complete, then has the browser download it', async () => {
    const { file, flow, states, did } = setup({ complete: false, fsa: false })
    flow.click()
    await settle()
    expect(did).toEqual(['download'])
    expect(flow.state).toBe('waiting')
    file.complete = true
    await flow.completed()
    expect(did).toEqual(['download', `frame files/${CID}/e.bin?download=1`])
    expect(states).toEqual(['waiting', 'saved'])
  })

  it('saves nothing when the picker is closed, or the transfer removed; a save under way is aborted, with no error', async () => {
    const closed = setup({ complete: false, fsa: true, pick: Promise.resolve(undefined) })
    closed.flow.click()
    await settle()
    expect(closed.states).toEqual(['waiting', 'idle'])
    await closed.flow.completed()
    expect(closed.did).toEqual(['pick e.bin', 'download'])

    const removed = setup({ complete: false, fsa: false })
    removed.flow.click()
    removed.flow.removed()
    await removed.flow.completed()
    expect(removed.states).toEqual(['waiting', 'idle'])
    expect(removed.did).toEqual(['download'])

    const saving = setup({ complete: false, fsa: true })
    saving.flow.click()
    await settle()
    expect(saving.flow.state).toBe('saving')
    saving.flow.removed()
    await settle()
    expect(saving.did).toEqual(['pick e.bin', 'download', 'write 3', 'abort This operation was aborted'])
    expect(saving.states).toEqual(['waiting', 'saving', 'idle'])
    expect(saving.errors).toEqual([])
  })

  it('fails with the reason when the download cannot start, fails while saving, or the file is not served', async () => {
    const cannot = setup({ complete: false, fsa: false, download: () => { throw new Error('the file link key is unknown') } })
    cannot.flow.click()
    expect(cannot.states).toEqual(['waiting', 'failed'])
    expect(cannot.errors).toEqual(['Could not start the download: the file link key is unknown'])

    const failing = setup({ complete: false, fsa: true })
    failing.flow.click()
    await settle()
    failing.finish(new Error('Storage is full'))
    await settle()
    expect(failing.did).toEqual(['pick e.bin', 'download', 'write 3', 'abort Storage is full'])
    expect(failing.states).toEqual(['waiting', 'saving', 'failed'])
    expect(failing.errors).toEqual(['Could not save e.bin: Storage is full'])

    const unserved = setup({ complete: true, fsa: false, serve: async () => { throw new Error('not here') } })
    unserved.flow.click()
    await settle()
    expect(unserved.states).toEqual(['failed'])
    expect(unserved.errors).toEqual(['not here'])
  })
})
