import { errorMessage } from '../shared/errors.ts'
import type { FileRowView } from './file-row.svelte.ts'
import type { FileLink } from './files-api.ts'
import type { FilesModel } from './files-model.svelte.ts'

/**
 * A file opened by its link (`#/f/<cid>/<key>?p=…`): its download starts at
 * once (the root and manifest come first, so the name shows quickly), with the
 * link's hints as providers; the DHT on the relays finds others.
 */
export class FilePageView {
  readonly row: FileRowView
  /** Why the download could not start. */
  error = $state<string>()

  constructor (files: FilesModel, link: FileLink) {
    this.row = files.row({ cid: link.cid.toString(), key: link.key, providers: link.hints })
    const state = this.row.status?.state
    // a paused, failed or complete file is left as it is: its row offers what to do
    if (state != null && state !== 'resolving' && state !== 'downloading') return
    try {
      files.startDownload(this.row.ref)
    } catch (err) {
      this.error = `Could not start the download: ${errorMessage(err)}`
    }
  }

  get cid (): string {
    return this.row.cid
  }
}
