import type { RoomItem, RoomsModel } from '../chat/rooms-model.svelte.ts'
import type { FilesModel } from '../files/files-model.svelte.ts'
import { SendFiles } from '../files/send-files.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { HOME_HREF } from '../shared/routes.ts'
import { ShareStore, type StoredShare } from './share-store.ts'

/** The text of a share as one message: its title, text and URL, each once, a line each. */
export function shareText (share: Pick<StoredShare, 'title' | 'text' | 'url'>): string {
  const parts: string[] = []
  for (const part of [share.title, share.text, share.url]) {
    if (part !== '' && !parts.some(p => p.includes(part))) parts.push(part)
  }
  return parts.join('\n')
}

/**
 * "Share to Peerlink": what another app shared (the service worker stored it
 * under `#/share/<id>`), sent to one of the joined rooms (the files as room
 * file shares, the text as a message) or shared by link ("Get a link"). The
 * stored share is deleted once it is used.
 */
export class ShareView {
  state = $state<'loading' | 'ready' | 'missing'>('loading')
  files = $state.raw<File[]>([])
  /** The text to send with the files (editable). */
  text = $state('')
  /** A room send or "Get a link" is running. */
  busy = $state(false)
  /** Why the last send failed. */
  error = $state<string>()
  /** The files went by link: their links and QR codes show. */
  readonly links: SendFiles

  readonly #store: Pick<ShareStore, 'get' | 'delete'>
  readonly #rooms: Pick<RoomsModel, 'list' | 'ready' | 'send'>
  readonly #files: FilesModel
  readonly #go: (href: string) => void
  readonly #roomHref: (roomId: string) => string | undefined

  constructor (readonly id: string, init: {
    files: FilesModel
    rooms: Pick<RoomsModel, 'list' | 'ready' | 'send'>
    /** Goes to a route (a room once the share is sent there). */
    go: (href: string) => void
    store?: Pick<ShareStore, 'get' | 'delete'>
  }) {
    this.#files = init.files
    this.#rooms = init.rooms
    this.#go = init.go
    this.#store = init.store ?? new ShareStore()
    this.#roomHref = roomId => this.#rooms.list.find(r => r.roomId === roomId)?.href
    this.links = new SendFiles(init.files)
    void this.#load()
  }

  /** The joined rooms, the latest active first. */
  get rooms (): RoomItem[] {
    return this.#rooms.list
  }

  /** Rooms can be sent to, and files shared. */
  get ready (): boolean {
    return this.#rooms.ready && this.#files.ready && !this.busy
  }

  get sentByLink (): boolean {
    return this.links.sent.length > 0
  }

  /** Sends the text as a message and the files as file shares to `roomId`, then opens the room. */
  async toRoom (roomId: string): Promise<void> {
    if (!this.ready) return
    this.busy = true
    this.error = undefined
    try {
      const text = this.text.trim()
      if (text !== '') {
        await this.#rooms.send(roomId, text)
        this.text = '' // sent: a retry sends only the files
      }
      const shared = await this.#files.share(this.files, roomId)
      if (shared.length < this.files.length) {
        // FilesModel.error says which one failed; the share stays for another try
        this.files = this.files.filter(f => !shared.some(s => s.name === f.name && s.size === f.size))
        this.error = this.#files.error ?? 'Some files were not shared.'
        return
      }
      await this.#forget()
      const href = this.#roomHref(roomId)
      if (href != null) this.#go(href)
    } catch (err) {
      this.error = `Could not send to the room: ${errorMessage(err)}`
    } finally {
      this.busy = false
    }
  }

  /** Shares the files by link (no room), showing each one's link and QR code. */
  async getLinks (): Promise<void> {
    if (!this.ready || this.files.length === 0) return
    this.busy = true
    this.error = undefined
    try {
      const shared = await this.links.send(this.files)
      if (shared.length >= this.files.length) await this.#forget()
      else this.error = this.#files.error ?? 'Some files were not shared.'
    } finally {
      this.busy = false
    }
  }

  /** Drops the share without sending it. */
  async discard (): Promise<void> {
    await this.#forget()
    this.#go(HOME_HREF)
  }

  async #load (): Promise<void> {
    try {
      const share = await this.#store.get(this.id)
      if (share == null) {
        this.state = 'missing'
        return
      }
      this.files = share.files
      this.text = shareText(share)
      this.state = 'ready'
    } catch (err) {
      this.error = `Could not read the share: ${errorMessage(err)}`
      this.state = 'missing'
    }
  }

  async #forget (): Promise<void> {
    try {
      await this.#store.delete(this.id)
    } catch {
      // it expires after a day anyway
    }
  }
}
