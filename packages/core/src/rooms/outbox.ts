import { logger } from '@libp2p/logger'
import { MAX_RECEIPT_IDS, RECEIPT_DELAY_MS } from './constants.js'
import { encodeEnvelope, type Envelope } from './envelope.js'
import type { History } from './history.js'
import type { Payload } from './payload.js'
import { isAction, type StoredMessage, type StoredRecord } from './store.js'
import type { ChatMessage } from './types.js'
import type { GossipSub } from '@libp2p/gossipsub'

const log = logger('peerlink:rooms')

export interface RoomOutboxInit {
  topic: string
  pubsub: Pick<GossipSub, 'publish'>
  history: History
  /** Our room key is a mismatch: nothing of ours is published. */
  held(): boolean
  seal(payload: Payload): Promise<Envelope>
  /** Stores records again (an action no longer pending). */
  persist(records: StoredRecord[]): Promise<void>
  /** Sets, stores and announces the status of one of our messages. */
  setStatus(stored: StoredMessage, status: ChatMessage['status']): Promise<void>
}

/**
 * What this device publishes in a room after the moment it happened: our
 * messages and actions until some peer is subscribed to receive them
 * ({@link flush}, called again whenever peers appear), and read receipts,
 * gathered for RECEIPT_DELAY_MS and sent together.
 */
export class RoomOutbox {
  private readonly pendingReceipts = new Set<string>()
  private receiptTimer?: ReturnType<typeof setTimeout>
  private flushing?: Promise<void>
  private flushAgain = false

  constructor (private readonly init: RoomOutboxInit) {}

  /** Publishes our messages still `sending` (none while our key is a mismatch). */
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
    const { history, pubsub, topic } = this.init
    try {
      const waiting = history.all().filter(r => isAction(r) ? r.pending === true : r.message.status === 'sending' && r.envelope != null)
      for (const stored of waiting) {
        if (this.init.held() || stored.envelope == null) return
        const result = await pubsub.publish(topic, encodeEnvelope(stored.envelope))
        if (result.recipients.length === 0) return
        if (isAction(stored)) {
          delete stored.pending
          await this.init.persist([stored])
        } else if (stored.message.status === 'sending') {
          // the key may have turned out wrong meanwhile: then it stays unreadable
          await this.init.setStatus(stored, 'sent')
        }
      }
    } catch (err) {
      log('publishing to %s: %e', topic, err)
    }
  }

  /** Says we have read message `id`, in a receipt with those read within RECEIPT_DELAY_MS of it. */
  queueReceipt (id: string): void {
    this.pendingReceipts.add(id)
    this.receiptTimer ??= setTimeout(() => {
      this.receiptTimer = undefined
      const ids = [...this.pendingReceipts].slice(0, MAX_RECEIPT_IDS)
      for (const i of ids) this.pendingReceipts.delete(i)
      void this.init.seal({ k: 'receipt', ids })
        .then(async envelope => this.init.pubsub.publish(this.init.topic, encodeEnvelope(envelope)))
        .catch(err => { log('sending receipts in %s: %e', this.init.topic, err) })
    }, RECEIPT_DELAY_MS)
  }

  /** Stops the receipts' timer (those queued are not sent). */
  stop (): void {
    clearTimeout(this.receiptTimer)
  }
}
