import { TOPIC_PREFIX } from '@peerlink/core'
import { HOP_PROTOCOL } from './gater.js'
import type { GossipSub, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Libp2pEvents, PeerId, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'

export interface TopicFollowerComponents {
  pubsub: GossipSub
  peerStore: PeerStore
  events: TypedEventTarget<Libp2pEvents>
  log: Logger
}

/**
 * Joins the Peerlink gossipsub topics that this relay's (non-relay) peers
 * join, and leaves them when none of those is left, so that a room's messages
 * cross from relay to relay. Other relays' subscriptions are not followed, or
 * two relays would keep each other in a topic forever.
 */
export class TopicFollower implements Startable {
  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    this.run(this.follow(evt.detail))
  }

  private readonly onPeerDisconnect = (): void => {
    this.run(this.leaveAbandoned())
  }

  constructor (private readonly components: TopicFollowerComponents) {}

  start (): void {
    this.components.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.components.events.addEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  stop (): void {
    this.components.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.components.events.removeEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  private run (work: Promise<void>): void {
    work.catch(err => { this.components.log.error('following topics: %e', err) })
  }

  private async follow ({ peerId, subscriptions }: SubscriptionChangeData): Promise<void> {
    const ours = subscriptions.filter(s => s.topic.startsWith(TOPIC_PREFIX))
    if (ours.length === 0 || await this.isRelay(peerId)) return
    const { pubsub, log } = this.components
    for (const { topic, subscribe } of ours) {
      if (subscribe && !pubsub.getTopics().includes(topic)) {
        log('joining topic %s for %p', topic, peerId)
        pubsub.subscribe(topic)
      }
    }
    if (ours.some(s => !s.subscribe)) await this.leaveAbandoned()
  }

  /** Leaves our topics that no non-relay peer is subscribed to any more. */
  private async leaveAbandoned (): Promise<void> {
    const { pubsub, log } = this.components
    for (const topic of pubsub.getTopics().filter(t => t.startsWith(TOPIC_PREFIX))) {
      const relays = await Promise.all(pubsub.getSubscribers(topic).map(async p => this.isRelay(p)))
      if (!relays.includes(false)) {
        log('leaving topic %s', topic)
        pubsub.unsubscribe(topic)
      }
    }
  }

  private async isRelay (peerId: PeerId): Promise<boolean> {
    try {
      return (await this.components.peerStore.get(peerId)).protocols.includes(HOP_PROTOCOL)
    } catch {
      return false
    }
  }
}
