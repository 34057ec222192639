import type { ChatMessage, DropReason, Member, Room } from './chat-api.ts'
import { nameOrId, uniqueById, type LogEntry } from './chat-format.ts'
import { Composer } from './composer.svelte.ts'
import { droppedFiles } from '../files/file-drop.ts'
import type { FilesModel } from '../files/files-model.svelte.ts'
import { RoomShare } from './room-share.svelte.ts'
import { subscribe } from '../shared/subscribe.ts'

const STATE_ORDER = { online: 0, away: 1, offline: 2 } as const

/** One open room: its messages (with their files), members and composer, re-read on every room event. */
export class RoomView {
  messages = $state.raw<LogEntry[]>([])
  members = $state.raw<Member[]>([])
  /** Incoming frames rejected, per reason. */
  dropped = $state.raw<Partial<Record<DropReason, number>>>({})
  /** The link's key cannot read the room's messages (another member's did not decrypt with it). */
  keyMismatch = $state(false)
  readonly composer: Composer
  readonly share: RoomShare
  readonly #unsubscribe: () => void

  constructor (private readonly room: Room, appUrl: string, readonly files: FilesModel) {
    this.composer = new Composer(async text => room.send(text))
    this.share = new RoomShare(room.link(appUrl))
    const refresh = (): void => { this.refresh() }
    this.#unsubscribe = subscribe(room, {
      'message:added': refresh,
      'message:updated': refresh,
      'members:changed': refresh,
      'message:dropped': refresh,
      'room:key-mismatch': refresh,
      'room:key-confirmed': refresh
    })
    this.refresh()
  }

  get roomId (): string {
    return this.room.roomId
  }

  /** How many incoming frames were rejected (malformed, forged, rate-limited…). */
  get droppedTotal (): number {
    return Object.values(this.dropped).reduce((sum, n) => sum + n, 0)
  }

  refresh (): void {
    this.messages = uniqueById(this.room.messages()).map(m => this.#toEntry(m))
    this.members = [...this.room.members()].sort(byPresence)
    this.dropped = { ...this.room.dropped }
    this.keyMismatch = this.room.keyState === 'mismatch'
  }

  /** Shares picked files in this room: each is posted as a message carrying it. */
  async shareFiles (files: Iterable<File>): Promise<void> {
    await this.files.share(files, this.room.roomId)
  }

  /** Shares what was dropped on the room: files, and every file inside dropped folders. */
  async dropFiles (data: DataTransfer): Promise<void> {
    let files: File[]
    try {
      files = await droppedFiles(data)
    } catch {
      this.files.error = 'Could not read the dropped files.'
      return
    }
    await this.shareFiles(files)
  }

  dispose (): void {
    this.#unsubscribe()
  }

  #toEntry (m: ChatMessage): LogEntry {
    const entry: LogEntry = { id: m.id, author: m.author, authorName: nameOrId(m.authorName, m.author), text: m.text, status: m.status, own: m.own, time: m.hlc.wall }
    const file = m.file == null ? undefined : this.files.attachmentRow(m.file, m.author, m.roomId)
    return file == null ? entry : { ...entry, file }
  }
}

/** Ourselves first, then online, away, offline, each by name. */
function byPresence (a: Member, b: Member): number {
  if (a.self !== b.self) return a.self ? -1 : 1
  return STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name)
}
