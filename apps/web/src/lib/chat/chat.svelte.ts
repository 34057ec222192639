import type { ChatMessage, DirectMessage, FileAttachment, Peerlink } from './chat-api.ts'
import { messageNotification } from './message-notification.ts'
import { DirectMessagesModel } from './dms-model.svelte.ts'
import { followVisibility } from './presence.ts'
import { roomHref, RoomsModel } from './rooms-model.svelte.ts'
import { dmKey, roomKey, UnreadCounts } from './unread.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { Notifier } from '../shared/notifier.svelte.ts'
import type { Router } from '../shared/router.svelte.ts'
import { dmHref, HOME_HREF } from '../shared/routes.ts'
import type { Session } from '../session/session.svelte.ts'

/**
 * Rooms and direct messages: follows the session's running peer (its rooms,
 * its conversations, our presence), creates and leaves rooms, names peers,
 * counts unread messages per conversation and notifies new ones while the
 * page is hidden.
 * Opening what the route names is {@link Navigation}'s.
 */
export class Chat {
  readonly rooms = new RoomsModel({
    onIncoming: (roomId, message) => {
      this.#incomingToRoom(roomId, message)
      if (message.file != null) this.options.onFile?.(message.file, message.author, roomId)
    }
  })
  readonly dms = new DirectMessagesModel({ onIncoming: (peerId, message) => { this.#incomingDm(peerId, message) } })
  /** Messages from others not seen yet, per conversation (persisted). */
  readonly unread = new UnreadCounts()
  /**
   * Where the open conversation's unread messages started when it was opened
   * (or shown again): the id of the first message that was unread then.
   */
  unreadFrom = $state.raw<{ key: string, id: string }>()
  /** Why the last room action (create, leave) failed. */
  error = $state<string>()
  creating = $state(false)

  #peer?: Peerlink
  #hidden = false

  /**
   * `notifier`: shows new messages while the page is hidden (and the permission asked in Settings);
   * `onFile`: a member shared a file in a room (a new message from someone else).
   */
  constructor (
    private readonly session: Session,
    private readonly router: Router,
    readonly notifier: Notifier = new Notifier(),
    private readonly options: { onFile?: (file: FileAttachment, author: string, roomId: string) => void } = {}
  ) {
    session.watchPeer(peer => { this.#attach(peer) })
    followVisibility(away => {
      this.#peer?.rooms.setAway(away)
      this.#hidden = away
      this.#clearOpen()
    })
    router.onChange(() => { this.#clearOpen() })
    this.#clearOpen()
  }

  /** Creates a room and opens it. */
  async createRoom (): Promise<void> {
    this.creating = true
    this.error = undefined
    try {
      const room = await this.rooms.create()
      this.router.go(roomHref(room.invite))
    } catch (err) {
      this.error = `Could not create a room: ${errorMessage(err)}`
    } finally {
      this.creating = false
    }
  }

  /** Leaves a room, going home if it was open. */
  async leaveRoom (roomId: string): Promise<void> {
    this.error = undefined
    try {
      await this.rooms.leave(roomId)
      this.unread.clear(roomKey(roomId))
      const route = this.router.route
      if (route.kind === 'room' && route.roomId === roomId) this.router.go(HOME_HREF)
    } catch (err) {
      this.error = `Could not leave the room: ${errorMessage(err)}`
    }
  }

  openConversation (peerId: string): void {
    this.router.go(dmHref(peerId))
  }

  /** A display name for `peerId` (ours included). */
  nameOf (peerId: string): string {
    return this.rooms.nameOf(peerId, this.session.peerId)
  }

  /** The id of the first message that was unread when room `roomId` was opened, while it is open. */
  firstUnreadInRoom (roomId: string): string | undefined {
    return this.#firstUnread(roomKey(roomId))
  }

  /** The id of the first message that was unread when the conversation with `peerId` was opened, while it is open. */
  firstUnreadFrom (peerId: string): string | undefined {
    return this.#firstUnread(dmKey(peerId))
  }

  #firstUnread (key: string): string | undefined {
    return this.unreadFrom?.key === key ? this.unreadFrom.id : undefined
  }

  /** The unread-count key of the conversation the route opens, if any. */
  #openKey (): string | undefined {
    const route = this.router.route
    if (route.kind === 'room') return roomKey(route.roomId)
    if (route.kind === 'dm') return dmKey(route.peerId)
    return undefined
  }

  #incomingToRoom (roomId: string, message: ChatMessage): void {
    this.#incoming(roomKey(roomId), { id: message.id, at: message.hlc.wall, counter: message.hlc.counter })
    if (message.deleted === true) return // a deletion's tombstone: nothing to say
    const room = this.rooms.list.find(r => r.roomId === roomId)
    const author = message.authorName.trim() !== '' ? message.authorName : this.nameOf(message.author)
    const { title, body } = messageNotification(room?.title ?? 'A room', author, message.text, message.file?.name)
    this.notifier.notifyIfHidden(title, body, `peerlink:${roomKey(roomId)}`, room == null ? {} : { href: room.href })
  }

  #incomingDm (peerId: string, message: DirectMessage): void {
    this.#incoming(dmKey(peerId), { id: message.id, at: message.sentAt, counter: 0 })
    const { title, body } = messageNotification(this.nameOf(peerId), undefined, message.text)
    this.notifier.notifyIfHidden(title, body, `peerlink:${dmKey(peerId)}`, { href: dmHref(peerId) })
  }

  /** A message from someone else arrived in conversation `key`: unread unless it is open and shown. */
  #incoming (key: string, start: { id: string, at: number, counter: number }): void {
    if (!this.#hidden && key === this.#openKey()) return
    this.unread.add(key, start)
  }

  /** The open conversation is shown: its messages are read; where the unread ones started is kept while it stays open. */
  #clearOpen (): void {
    const key = this.#openKey()
    if (this.unreadFrom != null && this.unreadFrom.key !== key) this.unreadFrom = undefined
    if (key == null || this.#hidden) return
    const start = this.unread.clear(key)
    if (start != null) this.unreadFrom = { key, id: start.id }
  }

  #attach (peer: Peerlink | undefined): void {
    if (peer === this.#peer) return
    this.#peer = peer
    this.rooms.attach(peer?.rooms)
    peer?.rooms.setAway(document.visibilityState === 'hidden')
    this.dms.attach(peer?.dms)
  }
}
