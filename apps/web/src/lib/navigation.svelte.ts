import { parseRoomLink, type Peerlink } from './chat/chat-api.ts'
import type { Chat } from './chat/chat.svelte.ts'
import { ConversationView } from './chat/conversation-view.svelte.ts'
import { RoomView } from './chat/room-view.svelte.ts'
import { FilePageView } from './files/file-page.svelte.ts'
import { parseFileLink } from './files/files-api.ts'
import type { FilesModel } from './files/files-model.svelte.ts'
import { validatePeerId } from './session/peer-id.ts'
import { ShareView } from './share/share-view.svelte.ts'
import type { Session } from './session/session.svelte.ts'
import { errorMessage } from './shared/errors.ts'
import type { Router } from './shared/router.svelte.ts'
import { appUrl, type Route } from './shared/routes.ts'

/** What the main area shows. */
export type MainView =
  | { kind: 'home' }
  | { kind: 'settings' }
  /** How peers and relays are reached (see DiagnosticsModel). */
  | { kind: 'diagnostics' }
  /** A room or conversation is being opened (or waits for the peer to start). */
  | { kind: 'loading', what: 'room' | 'dm' | 'file' }
  | { kind: 'room', room: RoomView }
  | { kind: 'dm', conversation: ConversationView }
  /** A file opened by its link. */
  | { kind: 'file', file: FilePageView }
  /** What another app shared to Peerlink (the share target). */
  | { kind: 'share', share: ShareView }
  /** The route could not be opened: `Navigation.error` says why. */
  | { kind: 'error' }

/**
 * Follows the route and the session's running peer, and opens the room,
 * conversation or file the route names (again when the peer changes).
 */
export class Navigation {
  view = $state.raw<MainView>({ kind: 'home' })
  /** Why the route could not be opened. */
  error = $state<string>()

  readonly #session: Session
  readonly #router: Router
  readonly #chat: Chat
  readonly #files: FilesModel
  #peer?: Peerlink
  #token = 0

  /** Created after `chat` and `files`, so that they follow a new peer before its route is opened again. */
  constructor (init: { session: Session, router: Router, chat: Chat, files: FilesModel }) {
    this.#session = init.session
    this.#router = init.router
    this.#chat = init.chat
    this.#files = init.files
    this.#router.onChange(() => { void this.#open() })
    this.#session.watchPeer(peer => {
      if (peer === this.#peer) return
      this.#peer = peer
      void this.#open()
    })
    void this.#open()
  }

  get route (): Route {
    return this.#router.route
  }

  /** Goes to `href` (a `#/…` route), adding a history entry. */
  go (href: string): void {
    this.#router.go(href)
  }

  /** Opens what the route names, replacing the current view. */
  async #open (): Promise<void> {
    const token = ++this.#token
    const route = this.#router.route
    // a share being sent stays as it is when the peer starts or changes
    if (route.kind === 'share' && this.view.kind === 'share' && this.view.share.id === route.id) return
    this.#close()
    this.error = undefined
    this.#chat.error = undefined
    if (route.kind === 'room') await this.#openRoom(route.fragment, token)
    else if (route.kind === 'dm') this.#openConversation(route.peerId)
    else if (route.kind === 'file') this.#openFile(route.fragment)
    else if (route.kind === 'share') this.view = { kind: 'share', share: new ShareView(route.id, { files: this.#files, rooms: this.#chat.rooms, go: href => { this.go(href) } }) }
    else if (route.kind === 'settings' || route.kind === 'diagnostics') this.view = { kind: route.kind }
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
      if (token === this.#token) this.view = { kind: 'room', room: new RoomView(room, appUrl(), this.#files) }
    } catch (err) {
      if (token === this.#token) this.#fail(`Could not join the room: ${errorMessage(err)}`)
    }
  }

  #openConversation (peerId: string): void {
    const invalid = validatePeerId(peerId, this.#session.peerId)
    if (invalid != null) return this.#fail(`Cannot open this conversation: ${invalid}`)
    const peer = this.#peer
    if (peer == null) {
      this.view = { kind: 'loading', what: 'dm' }
      return // opened once the peer runs
    }
    try {
      this.view = { kind: 'dm', conversation: new ConversationView(peer.dms, peerId, id => this.#chat.nameOf(id)) }
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
    if (!this.#files.ready) {
      this.view = { kind: 'loading', what: 'file' }
      return // opened once the peer runs
    }
    this.view = { kind: 'file', file: new FilePageView(this.#files, link) }
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
