import { TOPIC_PREFIX } from '@peerlink/core'
import type { GossipSub, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { IdentifyResult, Libp2pEvents, PeerId, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'

export interface TopicFollowerComponents {
  pubsub: GossipSub
  peerStore: PeerStore
  events: TypedEventTarget<Libp2pEvents>
  log: Logger
}

/** The name in a Peerlink relay's identify agent version (`peerlink-relay/<version> …`). */
export const RELAY_AGENT_NAME = 'peerlink-relay'

/** How long to wait for a peer's identify before taking it for a browser. */
const IDENTIFY_WAIT_MS = 5_000

/**
 * Joins the Peerlink gossipsub topics that this relay's (non-relay) peers
 * join, and leaves them when none of those is left, so that a room's messages
 * cross from relay to relay. Other relays' subscriptions are not followed, or
 * two relays would keep each other in a topic forever. A relay is told by
 * the agent version it sends in identify: not by the protocols in the peer
 * store, which libp2p fills with every protocol a peer opened a stream for
 * (a browser that reserved a slot "has" the relay's hop protocol).
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
    const { pubsub, log } = this.components
    const ours = subscriptions.filter(s => s.topic.startsWith(TOPIC_PREFIX))
    log('subscriptions of %p: %o', peerId, subscriptions)
    if (ours.length === 0) return
    if (await this.isRelay(peerId)) {
      log('not following %p: a relay', peerId)
      return
    }
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
    // listen first: identify may finish while the peer store is read
    const controller = new AbortController()
    const identified = this.identified(peerId, controller.signal)
    const agent = await this.agentOf(peerId) ?? await identified
    controller.abort()
    return agent?.startsWith(`${RELAY_AGENT_NAME}/`) ?? false
  }

  private async agentOf (peerId: PeerId): Promise<string | undefined> {
    try {
      const agent = (await this.components.peerStore.get(peerId)).metadata.get('AgentVersion')
      return agent == null ? undefined : new TextDecoder().decode(agent)
    } catch {
      return undefined
    }
  }

  /** The agent version once `peerId` is identified; undefined if that takes too long or `signal` aborts. */
  private async identified (peerId: PeerId, signal: AbortSignal): Promise<string | undefined> {
    const { events } = this.components
    return new Promise(resolve => {
      const done = (agent?: string): void => {
        clearTimeout(timer)
        events.removeEventListener('peer:identify', onIdentify)
        signal.removeEventListener('abort', onAbort)
        resolve(agent)
      }
      const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
        if (evt.detail.peerId.equals(peerId)) done(evt.detail.agentVersion)
      }
      const onAbort = (): void => { done() }
      const timer = setTimeout(onAbort, IDENTIFY_WAIT_MS)
      events.addEventListener('peer:identify', onIdentify)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
}
