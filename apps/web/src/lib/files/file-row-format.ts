/**
 * What a file row shows, read from the file's transfer (if any) and what is
 * known of it: state, name, size, progress, rates, peers, links and why a
 * download stopped. No state of its own: every getter reads the transfer anew.
 */
import { isStorageCleared, isStorageFull, STORAGE_FULL_ADVICE } from '../shared/errors.ts'
import { bytesText, canPlayType, peersText, percent, rateText, relayLimitText } from './file-format.ts'
import type { FilePreview, TransferStatus } from './files-api.ts'
import { fileHref } from './files-route.ts'

/** What a row knows of a file before (or without) a transfer: from a room message or a file link. */
export interface FileRef {
  /** Root CID (base32). */
  cid: string
  /** Link key: needed to start a download, not for a file we already hold. */
  key?: Uint8Array
  name?: string
  size?: number
  type?: string
  /** PeerIds likely to hold the file. */
  providers?: string[]
  roomId?: string
  /** An image's or video's thumbnail and size, from the room message that shared it. */
  preview?: FilePreview
}

/**
 * `available`: seen in a room, not downloaded here. Otherwise the transfer's state.
 */
export type RowState = TransferStatus['state'] | 'available'

export class FileRowFormat {
  /**
   * `transfer`: the file's transfer now (undefined when there is none);
   * `nameOf`: a display name for a peer, for messages about it.
   */
  constructor (
    readonly ref: FileRef,
    private readonly transfer: () => TransferStatus | undefined,
    private readonly nameOf: (peerId: string) => string = peerId => peerId,
    private readonly canPlay: (type: string) => boolean = canPlayType
  ) {}

  get cid (): string {
    return this.ref.cid
  }

  get status (): TransferStatus | undefined {
    return this.transfer()
  }

  get state (): RowState {
    return this.status?.state ?? 'available'
  }

  /** The file's name ('' while a link is still resolving). */
  get name (): string {
    return this.status?.name ?? this.ref.name ?? ''
  }

  get size (): number | undefined {
    return this.status?.size ?? this.ref.size
  }

  get complete (): boolean {
    return this.state === 'complete'
  }

  /** A download is under way (or stopped half way): the progress bar shows. */
  get transferring (): boolean {
    const state = this.state
    return state === 'resolving' || state === 'downloading' || state === 'paused' || state === 'failed'
  }

  get canPause (): boolean {
    return this.state === 'resolving' || this.state === 'downloading'
  }

  get canResume (): boolean {
    return this.state === 'paused' || this.state === 'failed'
  }

  get canCancel (): boolean {
    return this.status?.direction === 'download' && this.transferring
  }

  /** A file held here (shared or downloaded): "Delete" forgets it and frees its storage. */
  get canDelete (): boolean {
    return this.complete
  }

  /** The download stopped because the browser's storage for this site is full. */
  get storageFull (): boolean {
    return this.state === 'failed' && isStorageFull(this.status?.error ?? '')
  }

  /** The file was held here, and its blocks went when the browser's storage for this site was cleared. */
  get storageCleared (): boolean {
    return this.state === 'failed' && isStorageCleared(this.status?.error ?? '')
  }

  /** Why a failed download stopped, and what to do about it. */
  get stoppedText (): string | undefined {
    if (this.state !== 'failed') return undefined
    if (this.storageCleared) {
      return this.status?.direction === 'share'
        ? 'The browser\'s storage for this site was cleared: this file is no longer stored here, so it can no longer be served to others. Share it again, or press "Resume" to fetch it back from peers who have it.'
        : 'The browser\'s storage for this site was cleared: this file is no longer stored here. Press "Resume" to download it again.'
    }
    if (this.storageFull) {
      return `Storage is full: the download stopped at ${this.bytesText}. ${STORAGE_FULL_ADVICE}, then press "Resume": what is stored is kept.`
    }
    const relayLimit = this.status?.relayLimit
    if (relayLimit != null) return relayLimitText(relayLimit, relayLimit.peers.map(p => this.nameOf(p)))
    const error = this.status?.error
    return error == null ? undefined : `Download stopped: ${error}`
  }

  get bytes (): number {
    return this.status?.bytes ?? (this.complete ? this.size ?? 0 : 0)
  }

  get percent (): number {
    return percent(this.bytes, this.size)
  }

  /** "12.0 MB of 32.0 MB" */
  get bytesText (): string {
    const size = this.size
    if (size == null) return 'finding the file…'
    return this.complete ? bytesText(size) : `${bytesText(this.bytes)} of ${bytesText(size)}`
  }

  get rateText (): string {
    return this.state === 'downloading' ? rateText(this.status?.rate ?? 0) : ''
  }

  get peersText (): string {
    return this.state === 'downloading' || this.state === 'resolving' ? peersText(this.status?.peers ?? 0) : ''
  }

  /** The name to save the file as ('file' while it is unknown). */
  get saveName (): string {
    return this.name === '' ? 'file' : this.name
  }

  /** The download link: the service worker streams the stored file. */
  get href (): string {
    return fileHref(this.ref.cid, this.saveName, true)
  }

  /** A video or audio file this browser plays natively (MP4, WebM…): it gets a "Play" button. */
  get playable (): boolean {
    const type = this.status?.type ?? this.ref.type ?? ''
    return this.canPlay(type)
  }

  /** Where the player reads the file: the service worker's files route, inline, with ranges. */
  get streamHref (): string {
    return fileHref(this.ref.cid, this.saveName)
  }

  /** For tests and debugging: the transfer's counters as data attributes. */
  get dataset (): Record<string, string | number> {
    const s = this.status
    return {
      'data-cid': this.ref.cid,
      'data-state': this.state,
      'data-direction': s?.direction ?? '',
      'data-bytes': s?.bytes ?? 0,
      'data-blocks': s?.blocks ?? 0,
      'data-total-blocks': s?.totalBlocks ?? '',
      'data-served': s?.served ?? 0,
      'data-fetched': s?.fetched ?? 0,
      'data-skipped': s?.skipped ?? 0,
      'data-duplicates': s?.duplicates ?? 0,
      'data-sources': JSON.stringify(s?.sources ?? {}),
      'data-rejected': JSON.stringify(s?.rejected ?? {})
    }
  }
}
