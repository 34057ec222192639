import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { MAX_CLOCK_SKEW_MS, MAX_RECEIPT_IDS, MAX_TEXT_BYTES, OFFLINE_AFTER_MS, RATE_BURST, RATE_PER_SECOND, RECEIPT_DELAY_MS } from './constants.js'
import { openEnvelope, sealEnvelope, type RoomKeys } from './crypto.js'
import { utf8 } from './encoding.js'
import { decodeEnvelope, encodeEnvelope, envelopeId, type Envelope } from './envelope.js'
import { BadSignatureError, EmptyMessageError, MessageTooLargeError, OversizedFrameError, UndecryptableError } from './errors.js'
import { History } from './history.js'
import { parseAttachment, type Payload } from './payload.js'
import { roomLink, roomTopic } from './invite.js'
import { RateLimiter } from './rate-limiter.js'
import { compareHlc, type HybridClock } from './hlc.js'
import type { RoomStore, StoredMessage } from './store.js'
import type { ChatMessage, DropReason, FileAttachment, Hlc, KeyMismatchReason, Member, MemberState, RoomEvents, RoomInvite, RoomKeyState } from './types.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'

const log = logger('peerlink:rooms')

export interface RoomComponents {
  pubsub: Pick<GossipSub, 'publish'>
  privateKey: PrivateKey
  peerId: string
  clock: HybridClock
  store: Pick<RoomStore, 'putMessages'>
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

/** One joined room: its history, members, and the messages flowing through its topic. */
export class Room extends TypedEventEmitter<RoomEvents> {
  readonly roomId: string
  readonly topic: string
  readonly dropped: Record<DropReason, number> = { malformed: 0, oversized: 0, 'bad-signature': 0, undecryptable: 0, 'rate-limited': 0, 'wrong-room': 0 }
  private readonly history: History
  private readonly members_ = new Map<string, Member>()
  private readonly limiter = new RateLimiter(RATE_BURST, RATE_PER_SECOND)
  private readonly pendingReceipts = new Set<string>()
  private receiptTimer?: ReturnType<typeof setTimeout>
  private flushing?: Promise<void>
  private flushAgain = false
  private inCall_ = false
  /** Clock of each member's latest presence: gossip may deliver an older one late. */
  private readonly presenceAt = new Map<string, Hlc>()
  private keyState_: RoomKeyState

  constructor (private readonly components: RoomComponents, readonly invite: RoomInvite, readonly keys: RoomKeys, stored: StoredMessage[], options: RoomOptions = {}) {
    super()
    this.roomId = invite.roomId
    this.topic = roomTopic(invite.roomId)
    this.history = new History(stored)
    for (const m of stored) components.clock.observe(m.message.hlc)
    // a message of another member in our history decrypted with our key
    this.keyState_ = options.created === true || stored.some(m => m.message.author !== components.peerId) ? 'confirmed' : 'unconfirmed'
  }

  /** Whether our room key is the room's (see {@link RoomKeyState}). */
  get keyState (): RoomKeyState {
    return this.keyState_
  }

  link (appUrl: string): string {
    return roomLink(appUrl, this.invite)
  }

  /** The history in order: HLC, then id; the same on every member. */
  messages (): ChatMessage[] {
    return this.history.messages()
  }

  /** Members, ourselves first. */
  members (): Member[] {
    const self: Member = { peerId: this.components.peerId, name: this.components.profile.name(), state: this.components.profile.away() ? 'away' : 'online', lastSeen: this.now(), self: true, inCall: this.inCall_ }
    return [self, ...[...this.members_.values()].map(m => ({ ...m }))]
  }

  /** Stored messages, for the sync protocol. */
  get log (): History {
    return this.history
  }

  /**
   * Adds a message to the room. It is stored at once and published when any
   * peer is subscribed to the room; until then its status is `sending`.
   *
   * @param file - a shared file (see `Peerlink.shareFile`); `text` may then be empty
   * @throws {EmptyMessageError | MessageTooLargeError | MalformedFrameError} (the last for a malformed attachment)
   */
  async send (text: string, file?: FileAttachment): Promise<ChatMessage> {
    if (text.trim() === '' && file == null) throw new EmptyMessageError('Type a message first.')
    const size = utf8.encode(text).byteLength
    if (size > MAX_TEXT_BYTES) throw new MessageTooLargeError(`The message is ${size} bytes; the limit is ${MAX_TEXT_BYTES}.`)
    if (file != null) parseAttachment(file)
    const name = this.components.profile.name()
    const envelope = await this.seal(file == null ? { k: 'chat', text, name } : { k: 'chat', text, name, file })
    const id = envelopeId(envelope)
    // nobody can read what we write with a key that is not the room's: keep it, do not send it
    const status = this.keyState_ === 'mismatch' ? 'unreadable' : 'sending'
    const message: ChatMessage = { id, roomId: this.roomId, author: this.components.peerId, authorName: name, text, ...(file == null ? {} : { file }), hlc: { wall: envelope.wall, counter: envelope.counter }, status, own: true }
    await this.add({ id, envelope, message })
    void this.flush()
    return { ...message }
  }

  /** Publishes our messages still `sending` (none while our key is a mismatch); called again whenever peers appear. */
  async flush (): Promise<void> {
    if (this.flushing != null) {
      // a flush is under way: have it look again when done, for messages added meanwhile
      this.flushAgain = true
      return this.flushing
    }
    const run = async (): Promise<void> => {
      do {
        this.flushAgain = false
        await this.publishPending()
      } while (this.flushAgain)
    }
    this.flushing = run().finally(() => { this.flushing = undefined })
    return this.flushing
  }

  private async publishPending (): Promise<void> {
    try {
      for (const stored of this.history.all().filter(m => m.message.status === 'sending')) {
        if (this.keyState_ === 'mismatch') return
        const result = await this.components.pubsub.publish(this.topic, encodeEnvelope(stored.envelope))
        if (result.recipients.length === 0) return
        // the key may have turned out wrong meanwhile: then it stays unreadable
        if (stored.message.status === 'sending') await this.setStatus(stored, 'sent')
      }
    } catch (err) {
      log('publishing to %s: %e', this.topic, err)
    }
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
    let changed = false
    for (const member of this.members_.values()) {
      if (member.state !== 'offline' && now - member.lastSeen > OFFLINE_AFTER_MS) {
        member.state = 'offline'
        member.inCall = false
        changed = true
      }
    }
    if (changed) this.emitMembers()
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
   * @returns true when it added a chat message to the history
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
    if (payload.k === 'presence' && !own) {
      const latest = this.presenceAt.get(envelope.author)
      // an older presence than one we applied says nothing new (and must not undo it)
      if (latest != null && compareHlc(hlc, latest) <= 0) return false
      this.presenceAt.set(envelope.author, hlc)
    }
    if (!own && live) this.seen(envelope.author, 'name' in payload ? payload.name : undefined, payload.k === 'presence' ? payload : undefined)
    switch (payload.k) {
      case 'chat': {
        const message: ChatMessage = { id, roomId: this.roomId, author: envelope.author, authorName: payload.name, text: payload.text, ...(payload.file == null ? {} : { file: payload.file }), hlc, status: own ? 'sent' : 'received', own }
        await this.add({ id, envelope, message })
        if (!own) this.queueReceipt(id)
        return true
      }
      case 'receipt':
        for (const receiptId of payload.ids) {
          const stored = this.history.get(receiptId)
          if (stored?.message.own === true && stored.message.status !== 'seen') await this.setStatus(stored, 'seen')
        }
        return false
      case 'presence':
        return false
    }
  }

  stop (): void {
    clearTimeout(this.receiptTimer)
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
      if (stored.message.own && (stored.message.status === 'sending' || stored.message.status === 'sent')) await this.setStatus(stored, 'unreadable')
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
        if (stored.message.own && stored.message.status === 'unreadable') await this.setStatus(stored, 'sending')
      }
      void this.flush()
    }
    this.safeDispatchEvent('room:key-confirmed', { detail: { from } })
  }

  private async seal (payload: Payload): Promise<Envelope> {
    const { privateKey, peerId, clock } = this.components
    return sealEnvelope({ keys: this.keys, topic: this.topic, privateKey, author: peerId, hlc: clock.now(), payload })
  }

  private async add (stored: StoredMessage): Promise<void> {
    if (!this.history.add(stored)) return
    await this.components.store.putMessages(this.roomId, [stored])
    this.safeDispatchEvent('message:added', { detail: { ...stored.message } })
  }

  private async setStatus (stored: StoredMessage, status: ChatMessage['status']): Promise<void> {
    stored.message.status = status
    await this.components.store.putMessages(this.roomId, [stored])
    this.safeDispatchEvent('message:updated', { detail: { ...stored.message } })
  }

  /** A sign of life from a member: any message, or a presence (which also says whether it is in the call). */
  private seen (peerId: string, name: string | undefined, presence: { state: MemberState, call?: boolean } | undefined): void {
    const member = this.members_.get(peerId)
    const returning = member == null || member.state === 'offline'
    const state = presence?.state ?? (member?.state === 'away' ? 'away' : 'online')
    const inCall = state !== 'offline' && (presence != null ? presence.call === true : member?.inCall === true)
    // lastSeen is when we received it, by our clock: the sender's clock may be off
    const next: Member = { peerId, name: name ?? member?.name ?? '', state, lastSeen: this.now(), self: false, inCall }
    if (state === 'offline') next.lastSeen = member?.lastSeen ?? this.now()
    this.members_.set(peerId, next)
    if (member == null || member.name !== next.name || member.state !== next.state || member.inCall !== next.inCall) this.emitMembers()
    if (returning && next.state !== 'offline') this.components.onMemberSeen(this, peerId)
  }

  private now (): number {
    return (this.components.wallClock ?? Date.now)()
  }

  private emitMembers (): void {
    this.safeDispatchEvent('members:changed', { detail: this.members() })
  }

  private queueReceipt (id: string): void {
    this.pendingReceipts.add(id)
    this.receiptTimer ??= setTimeout(() => {
      this.receiptTimer = undefined
      const ids = [...this.pendingReceipts].slice(0, MAX_RECEIPT_IDS)
      for (const i of ids) this.pendingReceipts.delete(i)
      void this.seal({ k: 'receipt', ids })
        .then(async envelope => this.components.pubsub.publish(this.topic, encodeEnvelope(envelope)))
        .catch(err => { log('sending receipts in %s: %e', this.topic, err) })
    }, RECEIPT_DELAY_MS)
  }

  private drop (reason: DropReason, from?: string): void {
    this.dropped[reason]++
    log('dropped a message in %s from %s: %s', this.topic, from ?? 'unknown', reason)
    this.safeDispatchEvent('message:dropped', { detail: { reason, ...(from != null ? { from } : {}) } })
  }
}

