import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { MAX_CLOCK_SKEW_MS, MAX_ENVELOPE_BYTES, MAX_ROOM_NAME_LENGTH, MAX_TEXT_BYTES, RATE_BURST, RATE_PER_SECOND, TYPING_INTERVAL_MS } from './constants.js'
import { openEnvelope, sealEnvelope, type RoomKeys } from './crypto.js'
import { utf8 } from './encoding.js'
import { decodeEnvelope, encodeEnvelope, envelopeId, type Envelope } from './envelope.js'
import { BadSignatureError, EmptyMessageError, MessageNotFoundError, MessageTooLargeError, NotAuthorError, OversizedFrameError, UndecryptableError, UnknownReactionError } from './errors.js'
import { authorOf, History, hlcOf } from './history.js'
import { checkAttachment, isReactionEmoji, type Payload, type RoomAction } from './payload.js'
import { roomLink, roomTopic } from './invite.js'
import { RateLimiter } from './rate-limiter.js'
import { RoomMembers } from './members.js'
import { RoomOutbox } from './outbox.js'
import { HistoryWriter } from './history-writer.js'
import { isAction, type RoomStore, type StoredMessage, type StoredRecord } from './store.js'
import type { ChatMessage, DropReason, FileAttachment, KeyMismatchReason, Member, MemberState, PreviewRejection, RoomEvents, RoomInvite, RoomKeyState } from './types.js'
import type { HybridClock } from './hlc.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'

const log = logger('peerlink:rooms')

export interface RoomComponents {
  pubsub: Pick<GossipSub, 'publish'>
  privateKey: PrivateKey
  peerId: string
  clock: HybridClock
  store: Pick<RoomStore, 'putMessages' | 'removeMessages'>
  /** Our display name and whether we are away, as the user set them. */
  profile: { name(): string, away(): boolean }
  /** Called when a member appears or comes back (to sync history and connect). */
  onMemberSeen(room: Room, peerId: string): void
  /** This device's wall clock, epoch ms (Date.now by default; tests give skewed ones). */
  wallClock?: () => number
}

export interface RoomOptions {
  /** This device created the room: its key is the room's by definition. */
  created?: boolean
}

export interface SendOptions {
  /** The id of the message this one answers (one this device holds, not deleted). */
  replyTo?: string
}

/**
 * One joined room: its history, members, and the messages flowing through its
 * topic. Beside chat messages, members react to messages, edit and delete
 * their own, name the room and say they are typing: the first four are kept
 * in the history and carried by sync; typing notices are neither.
 */
export class Room extends TypedEventEmitter<RoomEvents> {
  readonly roomId: string
  readonly topic: string
  readonly dropped: Record<DropReason, number> = { malformed: 0, oversized: 0, 'bad-signature': 0, undecryptable: 0, 'rate-limited': 0, 'wrong-room': 0, 'not-author': 0 }
  /** File previews left out of received messages, per reason (the messages were kept). */
  readonly previewsDropped: Record<PreviewRejection, number> = { oversized: 0, 'bad-type': 0, 'bad-dimensions': 0 }
  private readonly history: History
  private readonly members_: RoomMembers
  private readonly outbox: RoomOutbox
  private readonly writer: HistoryWriter
  private readonly limiter = new RateLimiter(RATE_BURST, RATE_PER_SECOND)
  private inCall_ = false
  private keyState_: RoomKeyState
  /** When we last said we are typing (this device's clock). */
  private typingSentAt = -Infinity
  /** Left: nothing more is stored. */
  private closed = false

  constructor (private readonly components: RoomComponents, readonly invite: RoomInvite, readonly keys: RoomKeys, stored: StoredRecord[], options: RoomOptions = {}) {
    super()
    this.roomId = invite.roomId
    this.topic = roomTopic(invite.roomId)
    this.history = new History(stored, { roomId: this.roomId, self: components.peerId })
    this.members_ = new RoomMembers({
      now: () => this.now(),
      onChange: () => { this.emitMembers() },
      onTyping: (typing) => { this.safeDispatchEvent('typing:changed', { detail: typing }) },
      onReturn: (peerId) => { this.components.onMemberSeen(this, peerId) }
    })
    this.outbox = new RoomOutbox({
      topic: this.topic,
      pubsub: components.pubsub,
      history: this.history,
      held: () => this.keyState_ === 'mismatch',
      seal: async (payload) => this.seal(payload),
      persist: async (records) => this.persist(records),
      setStatus: async (stored, status) => this.setStatus(stored, status)
    })
    this.writer = new HistoryWriter({
      history: this.history,
      persist: async (records) => this.persist(records),
      forget: async (ids) => { if (!this.closed) await components.store.removeMessages(this.roomId, ids) },
      drop: (reason, from) => { this.drop(reason, from) },
      emitMessage: (type, id) => { this.emitMessage(type, id) },
      onRenamed: (naming) => { this.safeDispatchEvent('room:renamed', { detail: naming }) }
    })
    for (const r of stored) components.clock.observe(hlcOf(r))
    // a message of another member in our history decrypted with our key
    this.keyState_ = options.created === true || stored.some(r => authorOf(r) !== components.peerId) ? 'confirmed' : 'unconfirmed'
  }

  /** Whether our room key is the room's (see {@link RoomKeyState}). */
  get keyState (): RoomKeyState {
    return this.keyState_
  }

  link (appUrl: string): string {
    return roomLink(appUrl, this.invite)
  }

  /**
   * The history in order: HLC, then id; the same on every member. Each
   * message as it stands: its author's latest edit, the reactions, or its
   * tombstone once deleted.
   */
  messages (): ChatMessage[] {
    return this.history.messages()
  }

  /** The room's name, the latest any member set (by clock); empty while nobody named it. */
  get name (): string {
    return this.history.roomName()?.name ?? ''
  }

  /** The members typing now (PeerIds). */
  typingMembers (): string[] {
    return this.members_.typingMembers()
  }

  /** Members, ourselves first. */
  members (): Member[] {
    const self: Member = { peerId: this.components.peerId, name: this.components.profile.name(), state: this.components.profile.away() ? 'away' : 'online', lastSeen: this.now(), self: true, inCall: this.inCall_ }
    return [self, ...this.members_.list()]
  }

  /** Stored messages, for the sync protocol. */
  get log (): History {
    return this.history
  }

  /**
   * Adds a message to the room. It is stored at once and published when any
   * peer is subscribed to the room; until then its status is `sending`.
   *
   * @param file - a shared file (see `Peerlink.shareFile`); `text` may then be empty. Its
   * preview is left out when the message would be too large with it (long text).
   * @throws {EmptyMessageError | MessageTooLargeError | MalformedFrameError} (the last for a malformed attachment)
   * @throws {InvalidPreviewError} when the file's preview breaks a limit (see `checkPreview`)
   * @throws {MessageNotFoundError} when `options.replyTo` names no message this device holds (or a deleted one)
   */
  async send (text: string, file?: FileAttachment, options: SendOptions = {}): Promise<ChatMessage> {
    checkText(text, file != null)
    if (file != null) checkAttachment(file)
    const { replyTo } = options
    if (replyTo != null) this.shownMessage(replyTo)
    const name = this.components.profile.name()
    let envelope = await this.seal({ k: 'chat', text, name, ...(file == null ? {} : { file }), ...(replyTo == null ? {} : { replyTo }) })
    if (file?.preview != null && encodeEnvelope(envelope).byteLength > MAX_ENVELOPE_BYTES) {
      log('the preview of %s is left out: the message would be too large with it', file.name)
      file = { ...file }
      delete file.preview
      envelope = await this.seal({ k: 'chat', text, name, file, ...(replyTo == null ? {} : { replyTo }) })
    }
    const id = envelopeId(envelope)
    // nobody can read what we write with a key that is not the room's: keep it, do not send it
    const status = this.keyState_ === 'mismatch' ? 'unreadable' : 'sending'
    const message: ChatMessage = { id, roomId: this.roomId, author: this.components.peerId, authorName: name, text, ...(file == null ? {} : { file }), ...(replyTo == null ? {} : { replyTo }), hlc: { wall: envelope.wall, counter: envelope.counter }, status, own: true }
    await this.writer.add({ id, envelope, message })
    void this.flush()
    return this.history.message(id) ?? { ...message }
  }

  /**
   * Replaces the text of one of our messages (members see it marked edited).
   *
   * @throws {MessageNotFoundError | NotAuthorError | EmptyMessageError | MessageTooLargeError}
   */
  async edit (id: string, text: string): Promise<void> {
    const message = this.ownMessage(id)
    checkText(text, false)
    if (text === message.text) return
    await this.act({ k: 'edit', target: id, text })
  }

  /**
   * Deletes one of our messages: its text, file and edits are forgotten here
   * and by every member, a tombstone stays.
   *
   * @throws {MessageNotFoundError | NotAuthorError}
   */
  async delete (id: string): Promise<void> {
    const message = this.ownMessage(id)
    await this.act({ k: 'delete', target: id, hlc: { ...message.hlc } })
  }

  /**
   * Reacts to a message with one of REACTION_EMOJI, or (`remove`) withdraws
   * our reaction with it. Doing what already stands does nothing.
   *
   * @throws {MessageNotFoundError | UnknownReactionError}
   */
  async react (id: string, emoji: string, remove = false): Promise<void> {
    if (!isReactionEmoji(emoji)) throw new UnknownReactionError(`Reactions are ${emoji === '' ? 'not empty' : `one of the room's emoji, not ${emoji}`}.`)
    const message = this.shownMessage(id)
    const stands = message.reactions?.[emoji]?.includes(this.components.peerId) === true
    if (stands !== remove) return
    await this.act(remove ? { k: 'reaction', target: id, emoji, remove } : { k: 'reaction', target: id, emoji })
  }

  /** Names the room for every member (trimmed, at most MAX_ROOM_NAME_LENGTH characters; empty clears it). */
  async rename (name: string): Promise<void> {
    const roomName = name.trim().slice(0, MAX_ROOM_NAME_LENGTH)
    if (roomName === this.name) return
    await this.act({ k: 'room-name', roomName })
  }

  /**
   * Tells the members we are typing: at most once per TYPING_INTERVAL_MS
   * (calls in between do nothing); never stored, never synced.
   */
  async typing (): Promise<void> {
    const now = this.now()
    if (now - this.typingSentAt < TYPING_INTERVAL_MS || this.keyState_ === 'mismatch') return
    this.typingSentAt = now
    try {
      await this.components.pubsub.publish(this.topic, encodeEnvelope(await this.seal({ k: 'typing' })))
    } catch (err) {
      log('saying we type in %s: %e', this.topic, err)
    }
  }

  /** Publishes our messages still `sending` (none while our key is a mismatch); called again whenever peers appear. */
  async flush (): Promise<void> {
    return this.outbox.flush()
  }

  /** Whether we are in the room's call (see `Calls`). */
  get inCall (): boolean {
    return this.inCall_
  }

  /** Says in the room, at once and with every presence after, whether we are in its call. */
  setInCall (inCall: boolean): void {
    if (inCall === this.inCall_) return
    this.inCall_ = inCall
    this.emitMembers()
    void this.announce()
  }

  /** Tells the room who we are, whether we are here, and whether we are in its call. */
  async announce (state: MemberState = this.components.profile.away() ? 'away' : 'online'): Promise<void> {
    const name = this.components.profile.name()
    try {
      await this.components.pubsub.publish(this.topic, encodeEnvelope(await this.seal(this.inCall_ && state !== 'offline' ? { k: 'presence', name, state, call: true } : { k: 'presence', name, state })))
    } catch (err) {
      log('announcing presence in %s: %e', this.topic, err)
    }
  }

  /** Marks members silent for too long as offline. */
  expireMembers (now = this.now()): void {
    this.members_.expire(now)
  }

  /** Handles an envelope from gossip. Rejected frames are counted, never thrown. */
  async receive (bytes: Uint8Array, from?: string): Promise<void> {
    let envelope: Envelope
    try {
      envelope = decodeEnvelope(bytes)
      if (envelope.topic !== this.topic) return this.drop('wrong-room', from)
      if (!this.limiter.take(envelope.author)) return this.drop('rate-limited', envelope.author)
    } catch (err) {
      return this.drop(err instanceof OversizedFrameError ? 'oversized' : 'malformed', from)
    }
    await this.ingest(envelope, true)
  }

  /**
   * Verifies, decrypts and applies an envelope (from gossip or sync).
   *
   * @returns true when it added a record (chat message, reaction, edit, deletion, naming) to the history
   */
  async ingest (envelope: Envelope, live: boolean): Promise<boolean> {
    if (envelope.topic !== this.topic) {
      this.drop('wrong-room', envelope.author)
      return false
    }
    const id = envelopeId(envelope)
    if (this.history.has(id)) return false
    let payload: Payload
    try {
      payload = await openEnvelope(this.keys, envelope)
    } catch (err) {
      this.drop(err instanceof BadSignatureError ? 'bad-signature' : err instanceof UndecryptableError ? 'undecryptable' : 'malformed', envelope.author)
      // correctly signed by another member, yet not readable with our key
      if (err instanceof UndecryptableError && envelope.author !== this.components.peerId) await this.keyMismatch('undecryptable', envelope.author)
      return false
    }
    const hlc = { wall: envelope.wall, counter: envelope.counter }
    if (hlc.wall > this.now() + MAX_CLOCK_SKEW_MS) {
      this.drop('malformed', envelope.author)
      return false
    }
    this.components.clock.observe(hlc)
    const own = envelope.author === this.components.peerId
    if (!own) await this.keyConfirmed(envelope.author)
    if (payload.k === 'presence' && !own && !this.members_.newerPresence(envelope.author, hlc)) return false
    if (!own && live) this.members_.seen(envelope.author, payload.k === 'chat' || payload.k === 'presence' ? payload.name : undefined, payload.k === 'presence' ? payload : undefined)
    switch (payload.k) {
      case 'chat': {
        const message: ChatMessage = { id, roomId: this.roomId, author: envelope.author, authorName: payload.name, text: payload.text, ...(payload.file == null ? {} : { file: payload.file }), ...(payload.replyTo == null ? {} : { replyTo: payload.replyTo }), hlc, status: own ? 'sent' : 'received', own }
        await this.writer.addChat({ id, envelope, message })
        if (payload.previewDropped != null) this.dropPreview(payload.previewDropped, id, envelope.author)
        if (!own) {
          this.outbox.queueReceipt(id)
          this.members_.stopTyping(envelope.author)
        }
        return true
      }
      case 'reaction':
      case 'edit':
      case 'delete':
      case 'room-name':
        return this.writer.apply({ id, envelope, action: payload })
      case 'typing':
        if (!own && live) this.members_.startTyping(envelope.author)
        return false
      case 'receipt':
        for (const receiptId of payload.ids) {
          const stored = this.history.get(receiptId)
          if (stored != null && !isAction(stored) && stored.message.own && stored.message.status !== 'seen' && stored.message.deleted !== true) await this.setStatus(stored, 'seen')
        }
        return false
      case 'presence':
        return false
    }
  }

  /** Stops timers; once left (`closed`), stores nothing more. */
  stop (options: { closed?: boolean } = {}): void {
    this.outbox.stop()
    this.members_.stop()
    if (options.closed === true) this.closed = true
  }

  /**
   * Evidence that our room key is not the room's: another member's signed
   * message did not decrypt, or a member refused our membership proof.
   * Ignored once the key is confirmed (then the other member holds the wrong
   * key). Our messages not yet seen turn `unreadable` and are not published.
   */
  async keyMismatch (reason: KeyMismatchReason, from: string): Promise<void> {
    if (this.keyState_ !== 'unconfirmed') return
    this.keyState_ = 'mismatch'
    log('room key of %s cannot read %s\'s messages (%s)', this.topic, from, reason)
    for (const stored of this.history.all()) {
      if (!isAction(stored) && stored.message.own && (stored.message.status === 'sending' || stored.message.status === 'sent')) await this.setStatus(stored, 'unreadable')
    }
    this.safeDispatchEvent('room:key-mismatch', { detail: { reason, from } })
  }

  /** A message of another member decrypted with our key: it is the room's. Held messages are sent. */
  private async keyConfirmed (from: string): Promise<void> {
    if (this.keyState_ === 'confirmed') return
    const held = this.keyState_ === 'mismatch'
    this.keyState_ = 'confirmed'
    if (held) {
      for (const stored of this.history.all()) {
        if (!isAction(stored) && stored.message.own && stored.message.status === 'unreadable') await this.setStatus(stored, 'sending')
      }
      void this.flush()
    }
    this.safeDispatchEvent('room:key-confirmed', { detail: { from } })
  }

  private async seal (payload: Payload): Promise<Envelope> {
    const { privateKey, peerId, clock } = this.components
    return sealEnvelope({ keys: this.keys, topic: this.topic, privateKey, author: peerId, hlc: clock.now(), payload })
  }

  /**
   * Our action, sealed, applied and published (kept until a peer has it,
   * like our messages).
   */
  private async act (action: RoomAction): Promise<void> {
    const envelope = await this.seal(action)
    await this.writer.apply({ id: envelopeId(envelope), envelope, action, pending: true })
    void this.flush()
  }

  /**
   * A message of ours this device holds, not deleted.
   *
   * @throws {MessageNotFoundError | NotAuthorError}
   */
  private ownMessage (id: string): ChatMessage {
    const message = this.shownMessage(id)
    if (message.author !== this.components.peerId) throw new NotAuthorError('Only its author can edit or delete a message.')
    return message
  }

  /**
   * A message this device holds, not deleted.
   *
   * @throws {MessageNotFoundError}
   */
  private shownMessage (id: string): ChatMessage {
    const message = this.history.message(id)
    if (message == null) throw new MessageNotFoundError(`No message ${id} in this room.`)
    if (message.deleted === true) throw new MessageNotFoundError('That message was deleted.')
    return message
  }

  private async persist (records: StoredRecord[]): Promise<void> {
    if (!this.closed) await this.components.store.putMessages(this.roomId, records)
  }

  private emitMessage (type: 'message:added' | 'message:updated', id: string): void {
    const message = this.history.message(id) ?? this.history.messages().find(m => m.id === id)
    if (message != null) this.safeDispatchEvent(type, { detail: message })
  }

  private async setStatus (stored: StoredMessage, status: ChatMessage['status']): Promise<void> {
    stored.message.status = status
    await this.persist([stored])
    this.emitMessage('message:updated', stored.id)
  }

  private now (): number {
    return (this.components.wallClock ?? Date.now)()
  }

  private emitMembers (): void {
    this.safeDispatchEvent('members:changed', { detail: this.members() })
  }

  private dropPreview (reason: PreviewRejection, id: string, from: string): void {
    this.previewsDropped[reason]++
    log('left out the file preview of %s from %s: %s', id, from, reason)
    this.safeDispatchEvent('preview:dropped', { detail: { reason, id, from } })
  }

  private drop (reason: DropReason, from?: string): void {
    this.dropped[reason]++
    log('dropped a message in %s from %s: %s', this.topic, from ?? 'unknown', reason)
    this.safeDispatchEvent('message:dropped', { detail: { reason, ...(from != null ? { from } : {}) } })
  }
}


/**
 * @throws {EmptyMessageError | MessageTooLargeError}
 */
function checkText (text: string, withFile: boolean): void {
  if (text.trim() === '' && !withFile) throw new EmptyMessageError('Type a message first.')
  const size = utf8.encode(text).byteLength
  if (size > MAX_TEXT_BYTES) throw new MessageTooLargeError(`The message is ${size} bytes; the limit is ${MAX_TEXT_BYTES}.`)
}
