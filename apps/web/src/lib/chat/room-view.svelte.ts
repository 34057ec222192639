import { REACTION_EMOJI, type ChatMessage, type DropReason, type Member, type Room } from './chat-api.ts'
import { keepUnchanged, nameOrId, roomTitle, typingText, uniqueById, type LogEntry, type MessageActions, type Quote } from './chat-format.ts'
import { Composer } from './composer.svelte.ts'
import { droppedFiles } from '../files/file-drop.ts'
import type { FilesModel } from '../files/files-model.svelte.ts'
import { RoomNameForm } from './room-name.svelte.ts'
import { RoomShare } from './room-share.svelte.ts'
import { MessageSearch } from './search.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { subscribe } from '../shared/subscribe.ts'

const STATE_ORDER = { online: 0, away: 1, offline: 2 } as const

/**
 * One open room: its name, messages (with their files, replies, reactions,
 * edits and tombstones), members, who is typing, and the composer (which
 * also answers and edits), re-read on every room event.
 */
export class RoomView implements MessageActions {
  messages = $state.raw<LogEntry[]>([])
  /** The entries last shown, read to keep unchanged ones the same objects (not state: refresh may run inside an effect). */
  #shown: LogEntry[] = []
  members = $state.raw<Member[]>([])
  /** Incoming frames rejected, per reason. */
  dropped = $state.raw<Partial<Record<DropReason, number>>>({})
  /** The link's key cannot read the room's messages (another member's did not decrypt with it). */
  keyMismatch = $state(false)
  /** The room's name; empty while nobody named it. */
  name = $state('')
  /** Display names of the members typing now. */
  typing = $state.raw<string[]>([])
  /** The message our next one answers. */
  replyingTo = $state.raw<LogEntry>()
  /** Our message the composer is editing. */
  editing = $state.raw<LogEntry>()
  /** The message whose emoji choice is open. */
  reactingTo = $state<string>()
  /** Why the last reply, reaction, edit or deletion failed. */
  error = $state<string>()
  /** "Leave room" was pressed: the page asks before leaving. */
  confirmingLeave = $state(false)
  readonly composer: Composer
  readonly share: RoomShare
  readonly nameForm: RoomNameForm
  /** Search in the room's history. */
  readonly search = new MessageSearch(() => this.messages)
  /** The emoji members can react with. */
  readonly emoji = REACTION_EMOJI
  readonly #unsubscribe: () => void

  constructor (private readonly room: Room, appUrl: string, readonly files: FilesModel) {
    this.composer = new Composer(async text => this.#deliver(text), () => { void room.typing() })
    this.share = new RoomShare(room.link(appUrl))
    this.nameForm = new RoomNameForm(() => this.name, async name => room.rename(name))
    const refresh = (): void => { this.refresh() }
    this.#unsubscribe = subscribe(room, {
      'message:added': refresh,
      'message:updated': refresh,
      'members:changed': refresh,
      'message:dropped': refresh,
      'room:key-mismatch': refresh,
      'room:key-confirmed': refresh,
      'room:renamed': refresh,
      'typing:changed': refresh
    })
    this.refresh()
  }

  get roomId (): string {
    return this.room.roomId
  }

  /** The room's name, or a short form of its id while nobody named it. */
  get title (): string {
    return roomTitle(this.roomId, this.name)
  }

  /** "Ann is typing…" (empty when nobody is). */
  get typingText (): string {
    return typingText(this.typing)
  }

  /** Our next message answers this one. */
  reply (id: string): void {
    const entry = this.#entry(id)
    if (entry == null || entry.deleted === true) return
    this.cancelEdit()
    this.replyingTo = entry
    this.composer.focus()
  }

  cancelReply (): void {
    this.replyingTo = undefined
  }

  /** Puts one of our messages in the composer: sending it saves the edit. */
  edit (id: string): void {
    const entry = this.#entry(id)
    if (entry == null || !entry.own || entry.deleted === true) return
    this.replyingTo = undefined
    this.editing = entry
    this.composer.text = entry.text
    this.composer.focus()
  }

  cancelEdit (): void {
    if (this.editing == null) return
    this.editing = undefined
    this.composer.text = ''
  }

  /** Deletes one of our messages, for every member. */
  async delete (id: string): Promise<void> {
    this.error = undefined
    if (this.editing?.id === id) this.cancelEdit()
    if (this.replyingTo?.id === id) this.cancelReply()
    try {
      await this.room.delete(id)
    } catch (err) {
      this.error = `Could not delete the message: ${errorMessage(err)}`
    }
  }

  /** Opens or closes the emoji choice of a message. */
  chooseReaction (id: string): void {
    this.reactingTo = this.reactingTo === id ? undefined : id
  }

  /** Adds our reaction with `emoji`, or takes it back when we had reacted with it. */
  async react (id: string, emoji: string): Promise<void> {
    this.error = undefined
    this.reactingTo = undefined
    const mine = this.#entry(id)?.reactions?.some(r => r.emoji === emoji && r.mine) === true
    try {
      await this.room.react(id, emoji, mine)
    } catch (err) {
      this.error = `Could not react: ${errorMessage(err)}`
    }
  }

  /** How many incoming frames were rejected (malformed, forged, rate-limited…). */
  get droppedTotal (): number {
    return Object.values(this.dropped).reduce((sum, n) => sum + n, 0)
  }

  refresh (): void {
    this.members = [...this.room.members()].sort(byPresence)
    const messages = uniqueById(this.room.messages())
    const byId: Record<string, ChatMessage> = Object.fromEntries(messages.map(m => [m.id, m]))
    this.messages = this.#shown = keepUnchanged(this.#shown, messages.map(m => this.#toEntry(m, byId)))
    this.dropped = { ...this.room.dropped }
    this.keyMismatch = this.room.keyState === 'mismatch'
    this.name = this.room.name
    this.typing = this.room.typingMembers().map(peerId => this.#nameOf(peerId))
    // the message being answered or edited may have changed, or been deleted
    const current = (entry: LogEntry | undefined): LogEntry | undefined => entry == null ? undefined : this.messages.find(e => e.id === entry.id && e.deleted !== true)
    this.replyingTo = current(this.replyingTo)
    if (this.editing != null && current(this.editing) == null) this.cancelEdit()
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
    this.search.dispose()
    this.#unsubscribe()
  }

  /** Sends the composer's text: an edit, a reply, or a message. */
  async #deliver (text: string): Promise<void> {
    const editing = this.editing
    if (editing != null) {
      await this.room.edit(editing.id, text)
      if (this.editing?.id === editing.id) this.editing = undefined
      return
    }
    const replyTo = this.replyingTo?.id
    await this.room.send(text, undefined, replyTo == null ? {} : { replyTo })
    if (this.replyingTo?.id === replyTo) this.replyingTo = undefined
  }

  #entry (id: string): LogEntry | undefined {
    return this.messages.find(e => e.id === id)
  }

  /** A member's display name as the member list knows it (ours included). */
  #nameOf (peerId: string): string {
    return nameOrId(this.members.find(m => m.peerId === peerId)?.name ?? '', peerId)
  }

  #toEntry (m: ChatMessage, byId: Record<string, ChatMessage>): LogEntry {
    const entry: LogEntry = { id: m.id, author: m.author, authorName: m.authorName.trim() !== '' ? m.authorName : this.#nameOf(m.author), text: m.text, status: m.status, own: m.own, time: m.hlc.wall }
    if (m.edited === true) entry.edited = true
    if (m.deleted === true) entry.deleted = true
    if (m.replyTo != null) entry.quote = this.#quote(m.replyTo, byId)
    const reactions = m.reactions
    if (reactions != null) {
      const self = this.members.find(member => member.self)?.peerId
      entry.reactions = REACTION_EMOJI.flatMap(emoji => {
        const by = reactions[emoji] ?? []
        return by.length === 0 ? [] : [{ emoji, count: by.length, names: by.map(peerId => this.#nameOf(peerId)), mine: self != null && by.includes(self) }]
      })
    }
    if (m.file != null) entry.file = this.files.attachmentRow(m.file, m.author, m.roomId)
    return entry
  }

  #quote (id: string, byId: Record<string, ChatMessage>): Quote {
    const original = byId[id]
    if (original == null) return { id, authorName: '', text: '', state: 'missing' }
    const authorName = original.authorName.trim() !== '' ? original.authorName : this.#nameOf(original.author)
    if (original.deleted === true) return { id, authorName, text: '', state: 'deleted' }
    return { id, authorName, text: original.text !== '' ? original.text : original.file?.name ?? '', state: 'shown' }
  }
}

/** Ourselves first, then online, away, offline, each by name. */
function byPresence (a: Member, b: Member): number {
  if (a.self !== b.self) return a.self ? -1 : 1
  return STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.name.localeCompare(b.name)
}
