/**
 * 1:1 direct messages over a direct libp2p stream, sealed to the recipient,
 * persisted in a {@link DmStore} and queued until the peer is reachable.
 */
import { logger } from '@libp2p/logger'
import { TypedEventEmitter } from 'main-event'
import { CONNECT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, STREAM_OPEN_TIMEOUT_MS } from '../constants.js'
import { InvalidPeerIdError } from '../errors.js'
import { openStream } from '../connectivity/open-stream.js'
import { parsePeerId } from '../peer-id.js'
import { DM_PROTOCOL, DM_RETRY_BACKOFF } from './constants.js'
import { Outbox } from './outbox.js'
import { safetyNumber } from './safety-number.js'
import { encodeText, sealMessage, type OpenedMessage } from './seal.js'
import { compareMessages, type DmRecord, type DmStore } from './store.js'
import { receiveMessages, sendMessages } from './transfer.js'
import { afterClears, onStoreCleared } from '../storage/idb.js'
import type { ConversationSummary, DirectMessage, DirectMessagesEvents } from './types.js'
import type { BackoffOptions } from '../connectivity/backoff.js'
import type { AbortOptions, Connection, Libp2p, PeerId, PrivateKey, Startable, Stream } from '@libp2p/interface'

const log = logger('peerlink:dm')

export interface DirectMessagesComponents {
  /**
   * `getConnections` is used to open DM streams on an existing relayed
   * (limited) connection: `dialProtocol` only reuses unlimited ones and would
   * dial the peer again.
   */
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'dialProtocol' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  /** Our identity key: signs what we send, opens what is sealed to us. */
  privateKey: PrivateKey
  /** Finds and connects to a peer (`Peerlink.connectToPeer`) when dialing it directly fails. */
  connectToPeer(peerId: string, options?: AbortOptions): Promise<unknown>
}

export interface DirectMessagesInit {
  store: DmStore
  /** Delays between delivery attempts while messages are queued. Default: DM_RETRY_BACKOFF. */
  retry?: BackoffOptions
}

export class DirectMessages extends TypedEventEmitter<DirectMessagesEvents> implements Startable {
  private readonly store: DmStore
  private readonly outbox: Outbox
  private readonly me: string
  /** Ids being stored right now, so a message arriving twice at once is added once. */
  private readonly accepting = new Map<string, Promise<void>>()
  private controller?: AbortController
  private lastSentAt = 0
  private unwatchStore?: () => void
  private readonly storageCleared = afterClears(async () => { await this.writeBack() }, err => { log.error('writing queued messages back after a clear: %e', err) })

  constructor (private readonly components: DirectMessagesComponents, init: DirectMessagesInit) {
    super()
    this.store = init.store
    this.me = components.libp2p.peerId.toString()
    this.outbox = new Outbox({
      deliver: async (peerId, next, signal) => this.deliver(peerId, next, signal),
      backoff: init.retry ?? DM_RETRY_BACKOFF
    })
  }

  /** Registers the DM protocol and resumes delivery of messages queued in the store. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.controller != null) return
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    const controller = new AbortController()
    this.controller = controller
    try {
      await this.components.libp2p.handle(DM_PROTOCOL, async (stream, connection) => this.onStream(stream, connection, controller.signal), {
        runOnLimitedConnection: true,
        signal
      })
      this.components.libp2p.addEventListener('peer:connect', this.onPeerConnect)
      this.unwatchStore = onStoreCleared(this.store, () => { this.storageCleared() })
      this.outbox.start(await this.store.outbox({ signal }))
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Stops receiving and delivering; queued messages stay queued in the store. */
  async stop (options: AbortOptions = {}): Promise<void> {
    const controller = this.controller
    if (controller == null) return
    this.controller = undefined
    controller.abort()
    this.components.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    this.unwatchStore?.()
    this.unwatchStore = undefined
    await this.outbox.stop()
    try {
      await this.components.libp2p.unhandle(DM_PROTOCOL, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS) })
    } catch (err) {
      log('unhandling %s: %e', DM_PROTOCOL, err)
    }
  }

  /**
   * Stores a message to `peerId` as `queued`, emits 'dm:added' and delivers it
   * in the background (now if the peer is reachable, else when it becomes so).
   *
   * @throws {InvalidPeerIdError} when `peerId` is not an Ed25519 PeerId, or is our own
   * @throws {DmEmptyError | DmTooLargeError} when the text is empty or over MAX_DM_TEXT_BYTES
   */
  async send (peerId: string, text: string, options: AbortOptions = {}): Promise<DirectMessage> {
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    const to = this.otherPeer(peerId)
    encodeText(text)
    // strictly increasing, so our own messages keep their order within one millisecond
    const sentAt = this.lastSentAt = Math.max(Date.now(), this.lastSentAt + 1)
    const { id, sealed } = await sealMessage({ privateKey: this.components.privateKey, to, sentAt, text })
    const message: DirectMessage = { id, peerId: to, from: this.me, to, text, sentAt, status: 'queued', own: true }
    await this.store.put({ message, sealed }, { signal })
    this.safeDispatchEvent('dm:added', { detail: { ...message } })
    this.outbox.add({ message, sealed })
    return { ...message }
  }

  /**
   * The conversation with `peerId`, oldest first (by sentAt, then id).
   *
   * @throws {InvalidPeerIdError}
   */
  async conversation (peerId: string, options: AbortOptions = {}): Promise<DirectMessage[]> {
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    const messages = await this.store.messages(parsePeerId(peerId).toString(), { signal })
    return messages.sort(compareMessages)
  }

  /** Every conversation with its last message, most recent first. */
  async conversations (options: AbortOptions = {}): Promise<ConversationSummary[]> {
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT_MS)
    const last = await this.store.lastMessages({ signal })
    return last.sort((a, b) => compareMessages(b, a)).map(message => ({ peerId: message.peerId, last: message }))
  }

  /**
   * The safety number of our conversation with `peerId` ("1234 5678 9012"),
   * the same on both sides: compare it out of band to check identities.
   *
   * @throws {InvalidPeerIdError}
   */
  safetyNumber (peerId: string): string {
    return safetyNumber(this.me, this.otherPeer(peerId))
  }

  /**
   * The browser deleted the messages' database (site data cleared while the
   * app ran): our queued messages, which the outbox still holds, are written
   * back so they are still delivered after a reload. The rest is gone.
   */
  private async writeBack (): Promise<void> {
    const queued = this.outbox.records()
    for (const record of queued) await this.store.put(record, { signal: AbortSignal.timeout(DEFAULT_TIMEOUT_MS) })
    log('storage cleared: wrote back %d queued messages', queued.length)
    this.safeDispatchEvent('storage:cleared', { detail: { queued: queued.length } })
  }

  /** Wakes delivery to a peer that just connected. */
  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    this.outbox.kick(evt.detail.toString())
  }

  /** Parses a PeerId we can message: Ed25519 (its key seals the message), not our own. */
  private otherPeer (input: string): string {
    const id = parsePeerId(input)
    if (id.type !== 'Ed25519') throw new InvalidPeerIdError('Direct messages need an Ed25519 Peer ID (12D3KooW…).')
    const peerId = id.toString()
    if (peerId === this.me) throw new InvalidPeerIdError('That is your own Peer ID.')
    return peerId
  }

  /** One delivery attempt: open a DM stream to the peer and send what is queued for it. */
  private async deliver (peerId: string, next: () => DmRecord | undefined, signal: AbortSignal): Promise<void> {
    const stream = await this.openStream(peerId, signal)
    await sendMessages(stream, {
      next,
      acked: async record => this.delivered(record, signal),
      signal
    })
  }

  /**
   * Opens a DM stream to the peer (see `openStream`). Fails, for a later
   * retry, when no connection takes the protocol (the peer may not have
   * started its DM service yet; a half-open connection times out).
   */
  private async openStream (peerId: string, stop: AbortSignal): Promise<Stream> {
    return openStream(this.components, peerId, DM_PROTOCOL, {
      signal: AbortSignal.any([stop, AbortSignal.timeout(CONNECT_TIMEOUT_MS)]),
      streamTimeoutMs: STREAM_OPEN_TIMEOUT_MS
    })
  }

  /** The peer acked one of our messages: persist it as delivered (dropping the sealed copy). */
  private async delivered (record: DmRecord, signal: AbortSignal): Promise<void> {
    const message: DirectMessage = { ...record.message, status: 'delivered' }
    await this.store.put({ message }, { signal })
    this.outbox.remove(message.peerId, message.id)
    this.safeDispatchEvent('dm:updated', { detail: { ...message } })
  }

  private async onStream (stream: Stream, connection: Connection, signal: AbortSignal): Promise<void> {
    await receiveMessages(stream, {
      privateKey: this.components.privateKey,
      remotePeer: connection.remotePeer.toString(),
      accept: async (message, readSignal) => this.accept(message, readSignal),
      signal
    })
  }

  /** Stores a message that checked out, unless it already is; emits 'dm:added' once. */
  private async accept (opened: OpenedMessage, signal: AbortSignal): Promise<void> {
    const pending = this.accepting.get(opened.id)
    if (pending != null) {
      await pending
      return
    }
    const work = (async () => {
      if (await this.store.get(opened.from, opened.id, { signal }) != null) return
      const message: DirectMessage = { ...opened, peerId: opened.from, status: 'received', own: false }
      await this.store.put({ message }, { signal })
      this.safeDispatchEvent('dm:added', { detail: { ...message } })
    })()
    this.accepting.set(opened.id, work)
    try {
      await work
    } finally {
      this.accepting.delete(opened.id)
    }
  }
}
