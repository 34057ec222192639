import { describe, expect, it } from 'vitest'
import { addReport, storageClearedText } from '../src/lib/session/storage-notice.ts'

describe('the notice of a cleared storage', () => {
  it('adds up the reports of one clear (each service reports, some twice) and says them in words', () => {
    let notice = addReport(undefined, { files: { lost: ['c1'], restarted: ['c3'] } })
    notice = addReport(notice, { rooms: { rooms: 2, messages: 7 } })
    notice = addReport(notice, { files: { lost: ['c1', 'c2'], restarted: [] } })
    notice = addReport(notice, { dms: { queued: 1 } })
    notice = addReport(notice, { rooms: { rooms: 2, messages: 7 } })
    expect(notice).toEqual({ rooms: 2, messages: 7, queued: 1, dms: true, lost: ['c1', 'c2'], restarted: ['c3'] })
    expect(storageClearedText(notice)).toBe(
      'The browser\'s storage for this site was cleared while Peerlink ran. Your 2 rooms and 7 messages were written back from this page, ' +
      'and members online are asked for anything missing; 2 files are no longer stored here (see Files: "Resume" fetches them again); ' +
      '1 download is fetching again what was lost; direct messages stored before are gone from this browser (your 1 unsent message was kept and will still be delivered).'
    )
  })

  it('says only what happened', () => {
    expect(storageClearedText(addReport(undefined, { dms: { queued: 0 } }))).toBe(
      'The browser\'s storage for this site was cleared while Peerlink ran. Direct messages stored before are gone from this browser.'
    )
  })
})
