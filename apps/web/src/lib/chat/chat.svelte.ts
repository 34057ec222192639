import type { FileAttachment, Peerlink } from './chat-api.ts'
import { DirectMessagesModel } from './dms-model.svelte.ts'
import { followVisibility } from './presence.ts'
import { roomHref, RoomsModel } from './rooms-model.svelte.ts'
import { dmKey, roomKey, UnreadCounts } from './unread.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import type { Router } from '../shared/router.svelte.ts'
import { dmHref, HOME_HREF } from '../shared/routes.ts'
import type { Session } from '../session/session.svelte.ts'

/**
 * Rooms and direct messages: follows the session's running peer (its rooms,
 * its conversations, our presence), creates and leaves rooms, names peers and
 * counts unread messages per conversation.
 * Opening what the route names is {@link Navigation}'s.
 */
export class Chat {
  readonly rooms = new RoomsModel({
    onIncoming: (roomId, message) => {
      this.#incoming(roomKey(roomId))
      if (message.file != null) this.options.onFile?.(message.file, message.author, roomId)
    }
  })
  readonly dms = new DirectMessagesModel({ onIncoming: peerId => { this.#incoming(dmKey(peerId)) } })
  /** Messages from others not seen yet, per conversation (persisted). */
  readonly unread = new UnreadCounts()
  /** Why the last room action (create, leave) failed. */
  error = $state<string>()
  creating = $state(false)

  #peer?: Peerlink
  #hidden = false

  /** `onFile`: a member shared a file in a room (a new message from someone else). */
  constructor (private readonly session: Session, private readonly router: Router, private readonly options: { onFile?: (file: FileAttachment, author: string, roomId: string) => void } = {}) {
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

  /** The unread-count key of the conversation the route opens, if any. */
  #openKey (): string | undefined {
    const route = this.router.route
    if (route.kind === 'room') return roomKey(route.roomId)
    if (route.kind === 'dm') return dmKey(route.peerId)
    return undefined
  }

  /** A message from someone else arrived in conversation `key`: unread unless it is open and shown. */
  #incoming (key: string): void {
    if (!this.#hidden && key === this.#openKey()) return
    this.unread.add(key)
  }

  #clearOpen (): void {
    const key = this.#openKey()
    if (key != null && !this.#hidden) this.unread.clear(key)
  }

  #attach (peer: Peerlink | undefined): void {
    if (peer === this.#peer) return
    this.#peer = peer
    this.rooms.attach(peer?.rooms)
    peer?.rooms.setAway(document.visibilityState === 'hidden')
    this.dms.attach(peer?.dms)
  }
}
