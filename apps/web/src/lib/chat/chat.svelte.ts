import { parseRoomLink, type Peerlink } from './chat-api.ts'
import { ConversationView } from './conversation-view.svelte.ts'
import { DirectMessagesModel } from './dms-model.svelte.ts'
import { errorMessage } from '../shared/errors.ts'
import { FilePageView } from '../files/file-page.svelte.ts'
import { parseFileLink } from '../files/files-api.ts'
import { FilesModel } from '../files/files-model.svelte.ts'
import { validatePeerId } from '../session/peer-id.ts'
import { followVisibility } from './presence.ts'
import { RoomView } from './room-view.svelte.ts'
import { roomHref, RoomsModel } from './rooms-model.svelte.ts'
import { Router } from '../shared/router.svelte.ts'
import { appUrl, dmHref, HOME_HREF } from '../shared/routes.ts'
import type { Session } from '../session/session.svelte.ts'

/** What the main area shows. */
export type ChatView =
  | { kind: 'home' }
  /** A room or conversation is being opened (or waits for the peer to start). */
  | { kind: 'loading', what: 'room' | 'dm' | 'file' }
  | { kind: 'room', room: RoomView }
  | { kind: 'dm', conversation: ConversationView }
  /** A file opened by its link. */
  | { kind: 'file', file: FilePageView }
  /** The route could not be opened: `Chat.error` says why. */
  | { kind: 'error' }

/**
 * Rooms, direct messages and shared files: follows the session's running peer
 * and the route, and opens the room, conversation or file the route names.
 */
export class Chat {
  readonly rooms = new RoomsModel()
  readonly dms = new DirectMessagesModel()
  readonly files = new FilesModel({ nameOf: (peerId) => this.nameOf(peerId) })
  view = $state.raw<ChatView>({ kind: 'home' })
  /** Why the route could not be opened, or the last room action failed. */
  error = $state<string>()
  creating = $state(false)

  #peer?: Peerlink
  #token = 0

  constructor (private readonly session: Session, readonly router: Router = new Router()) {
    router.onChange(() => { void this.#open() })
    session.watchPeer(peer => { this.#attach(peer) })
    followVisibility(away => { this.#peer?.rooms.setAway(away) })
    void this.#open()
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
      if (this.view.kind === 'room' && this.view.room.roomId === roomId) this.router.go(HOME_HREF)
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

  #attach (peer: Peerlink | undefined): void {
    if (peer === this.#peer) return
    this.#peer = peer
    this.rooms.attach(peer?.rooms)
    peer?.rooms.setAway(document.visibilityState === 'hidden')
    this.dms.attach(peer?.dms)
    this.files.attach(peer)
    void this.#open()
  }

  /** Opens what the route names, replacing the current view. */
  async #open (): Promise<void> {
    const token = ++this.#token
    this.#close()
    this.error = undefined
    const route = this.router.route
    if (route.kind === 'room') await this.#openRoom(route.fragment, token)
    else if (route.kind === 'dm') this.#openConversation(route.peerId)
    else if (route.kind === 'file') this.#openFile(route.fragment)
    else this.view = { kind: 'home' }
  }

  async #openRoom (fragment: string, token: number): Promise<void> {
    let invite
    try {
      invite = parseRoomLink(fragment)
    } catch (err) {
      return this.#fail(errorMessage(err))
    }
    this.view = { kind: 'loading', what: 'room' }
    const peer = this.#peer
    if (peer == null) return // joined once the peer runs
    try {
      const room = await peer.rooms.join(invite)
      if (token === this.#token) this.view = { kind: 'room', room: new RoomView(room, appUrl(), this.files) }
    } catch (err) {
      if (token === this.#token) this.#fail(`Could not join the room: ${errorMessage(err)}`)
    }
  }

  #openConversation (peerId: string): void {
    const invalid = validatePeerId(peerId, this.session.peerId)
    if (invalid != null) return this.#fail(`Cannot open this conversation: ${invalid}`)
    const peer = this.#peer
    if (peer == null) {
      this.view = { kind: 'loading', what: 'dm' }
      return // opened once the peer runs
    }
    try {
      this.view = { kind: 'dm', conversation: new ConversationView(peer.dms, peerId, id => this.nameOf(id)) }
    } catch (err) {
      this.#fail(`Cannot open this conversation: ${errorMessage(err)}`)
    }
  }

  #openFile (fragment: string): void {
    let link
    try {
      link = parseFileLink(fragment)
    } catch (err) {
      return this.#fail(errorMessage(err))
    }
    if (!this.files.ready) {
      this.view = { kind: 'loading', what: 'file' }
      return // opened once the peer runs
    }
    this.view = { kind: 'file', file: new FilePageView(this.files, link) }
  }

  #close (): void {
    const view = this.view
    if (view.kind === 'room') view.room.dispose()
    if (view.kind === 'dm') view.conversation.dispose()
  }

  #fail (message: string): void {
    this.error = message
    this.view = { kind: 'error' }
  }
}
