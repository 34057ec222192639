import { roomLink, type ChatMessage, type Member, type Room, type RoomInvite, type Rooms } from './chat-api.ts'
import { nameOrId, roomTitle, shortId } from './chat-format.ts'
import { subscribe } from '../shared/subscribe.ts'

/** A joined room as the sidebar lists it. */
export interface RoomItem {
  roomId: string
  joinedAt: number
  /** `#/r/<roomId>/<key>` */
  href: string
  title: string
  /** Display names of the other members. */
  others: string[]
  /** The room's latest message, if any. */
  last?: LastMessage
}

/** A conversation's latest message as a list shows it. */
export interface LastMessage {
  /** The author's display name ('' for our own). */
  author: string
  own: boolean
  /** The text, or the file's name for a message that only carries a file. */
  text: string
  /** Epoch ms. */
  time: number
}

/**
 * The joined rooms and our display name, following the running peer's
 * `rooms` (`rooms:changed`, also when a room is renamed, and each room's
 * `members:changed` for names and `message:added` for its latest message).
 */
export class RoomsModel {
  /** A peer is running: rooms can be created and joined. */
  ready = $state(false)
  displayName = $state('')

  #summaries = $state.raw<Array<{ roomId: string, joinedAt: number, name: string, href: string }>>([])
  #members = $state.raw<Record<string, Member[]>>({})
  #last = $state.raw<Record<string, LastMessage>>({})
  readonly #onIncoming?: (roomId: string, message: ChatMessage) => void
  #rooms?: Rooms
  /** The rooms whose `members:changed` we follow (for names), by id. */
  #watched: Record<string, { room: Room, unsubscribe: () => void }> = {}
  #unsubscribe?: () => void

  /** Joined rooms, the latest active first. */
  readonly list: RoomItem[] = $derived(this.#summaries.map(({ name, ...s }) => ({
    ...s,
    title: roomTitle(s.roomId, name),
    others: (this.#members[s.roomId] ?? []).filter(m => !m.self).map(m => nameOrId(m.name, m.peerId)),
    ...(this.#last[s.roomId] != null ? { last: this.#last[s.roomId] } : {})
  })).sort((a, b) => (b.last?.time ?? b.joinedAt) - (a.last?.time ?? a.joinedAt)))

  /** Display names by PeerId, from every joined room's members. */
  readonly names: Record<string, string> = $derived(Object.fromEntries(
    Object.values(this.#members).flat().filter(m => m.name.trim() !== '').map(m => [m.peerId, m.name])
  ))

  /** `onIncoming`: called with each new message from someone else (not ours, not one read from storage). */
  constructor (options: { onIncoming?: (roomId: string, message: ChatMessage) => void } = {}) {
    this.#onIncoming = options.onIncoming
  }

  /** Follows `rooms` (the running peer's), or nothing when no peer runs. */
  attach (rooms: Rooms | undefined): void {
    if (rooms === this.#rooms) return
    this.#unsubscribe?.()
    for (const roomId of Object.keys(this.#watched)) this.#unwatch(roomId)
    this.#rooms = rooms
    this.ready = rooms != null
    this.#unsubscribe = rooms == null ? undefined : subscribe(rooms, { 'rooms:changed': () => { this.refresh() } })
    this.refresh()
  }

  refresh (): void {
    const rooms = this.#rooms
    const summaries = rooms?.list() ?? []
    for (const roomId of Object.keys(this.#watched)) {
      if (!summaries.some(s => s.roomId === roomId)) this.#unwatch(roomId)
    }
    this.#summaries = summaries
      .flatMap(s => {
        const room = rooms?.get(s.roomId)
        if (room == null) return []
        this.#watch(room)
        return [{ roomId: s.roomId, joinedAt: s.joinedAt, name: s.name, href: roomHref(room.invite) }]
      })
      .sort((a, b) => b.joinedAt - a.joinedAt)
    this.displayName = rooms?.displayName ?? this.displayName
    this.#readMembers()
  }

  /** A display name for `peerId`: ours, from a room's member list, or a short PeerId. */
  nameOf (peerId: string, ownPeerId?: string): string {
    if (peerId === ownPeerId && this.displayName !== '') return this.displayName
    return this.names[peerId] ?? shortId(peerId)
  }

  async create (): Promise<Room> {
    return this.#running().create()
  }

  async join (invite: RoomInvite): Promise<Room> {
    return this.#running().join(invite)
  }

  /** Sends a message to a joined room (open or not). */
  async send (roomId: string, text: string): Promise<void> {
    const room = this.#running().get(roomId)
    if (room == null) throw new Error('this room is not joined')
    await room.send(text)
  }

  async leave (roomId: string): Promise<void> {
    await this.#running().leave(roomId)
    this.refresh()
  }

  async setDisplayName (name: string): Promise<void> {
    const rooms = this.#running()
    await rooms.setDisplayName(name)
    this.displayName = rooms.displayName
  }

  #watch (room: Room): void {
    if (this.#watched[room.roomId]?.room === room) return
    this.#unwatch(room.roomId)
    const unsubscribe = subscribe(room, {
      'members:changed': () => { this.#readMembers() },
      'message:added': ({ detail }) => {
        this.#readLast(room)
        if (!detail.own) this.#onIncoming?.(room.roomId, detail)
      },
      'message:updated': () => { this.#readLast(room) }
    })
    this.#watched[room.roomId] = { room, unsubscribe }
    this.#readLast(room)
  }

  #readLast (room: Room): void {
    const message = room.messages().at(-1)
    if (message == null) return
    const last: LastMessage = {
      author: message.own ? '' : nameOrId(message.authorName, message.author),
      own: message.own,
      text: message.deleted === true ? 'deleted' : message.text !== '' ? message.text : message.file?.name ?? '',
      time: message.hlc.wall
    }
    this.#last = { ...this.#last, [room.roomId]: last }
  }

  #unwatch (roomId: string): void {
    const watched = this.#watched[roomId]
    if (watched == null) return
    watched.unsubscribe()
    delete this.#watched[roomId]
  }

  #readMembers (): void {
    const members: Record<string, Member[]> = {}
    for (const [roomId, { room }] of Object.entries(this.#watched)) members[roomId] = room.members()
    if (JSON.stringify(members) !== JSON.stringify(this.#members)) this.#members = members
  }

  #running (): Rooms {
    if (this.#rooms == null) throw new Error('Peerlink is not running yet')
    return this.#rooms
  }
}

/** `#/r/<roomId>/<key>`: the room link's fragment, the route that opens the room. */
export function roomHref (invite: RoomInvite): string {
  const link = roomLink('', invite)
  return link.slice(link.indexOf('#'))
}
