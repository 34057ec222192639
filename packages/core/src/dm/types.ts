/**
 * `queued`: ours, waiting until the peer is reachable. `delivered`: the peer
 * acknowledged it. `received`: the peer's message to us.
 */
export type DirectMessageStatus = 'queued' | 'delivered' | 'received'

export interface DirectMessage {
  /** Content hash (hex sha-256) of the sealed message. */
  id: string
  /** The other party of the conversation. */
  peerId: string
  from: string
  to: string
  text: string
  /** Epoch ms at the sender. */
  sentAt: number
  status: DirectMessageStatus
  own: boolean
}

export interface ConversationSummary {
  peerId: string
  last?: DirectMessage
}

export interface DirectMessagesEvents {
  /** A message was added to a conversation (sent by us, or received). */
  'dm:added': CustomEvent<DirectMessage>
  /** One of our messages changed status (queued → delivered). */
  'dm:updated': CustomEvent<DirectMessage>
  /**
   * The browser's storage for this site was cleared while the app ran: the
   * conversations stored before are gone (a peer keeps its own copy; none is
   * asked for it); our messages still queued were written back and are still
   * delivered.
   */
  'storage:cleared': CustomEvent<DmsCleared>
}

/** What was written back after a clear of the browser's storage. */
export interface DmsCleared {
  /** Our queued messages, written back. */
  queued: number
}
