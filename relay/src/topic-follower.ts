import { TOPIC_PREFIX } from '@peerlink/core'
import type { GossipSub, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Connection, IdentifyResult, Libp2pEvents, PeerId, PeerStore, Startable, TypedEventTarget } from '@libp2p/interface'
import type { Logger } from '@libp2p/logger'

export interface TopicFollowerComponents {
  pubsub: GossipSub
  peerStore: PeerStore
  events: TypedEventTarget<Libp2pEvents>
  /** The node's connections to a peer (a follower without an open one is gone); all peers count as connected without it. */
  getConnections?(peerId?: PeerId): Connection[]
  log: Logger
}

export interface TopicFollowerInit {
  /** Most topics followed in all. */
  maxTopics: number
  /** Most topics one peer's subscriptions may make the relay follow (its further subscriptions are ignored). */
  maxTopicsPerPeer: number
  /** ms a newly followed topic has to carry a message before it is left. */
  probation: number
}

export const DEFAULT_TOPIC_FOLLOWER_INIT: TopicFollowerInit = { maxTopics: 256, maxTopicsPerPeer: 32, probation: 30_000 }

/** The name in a Peerlink relay's identify agent version (`peerlink-relay/<version> …`). */
export const RELAY_AGENT_NAME = 'peerlink-relay'

/** How long to wait for a peer's identify before taking it for a browser. */
const IDENTIFY_WAIT_MS = 5_000

interface Followed {
  /** When the relay joined the topic. */
  since: number
  /** A message was seen on it since. */
  active: boolean
}

/**
 * Joins the Peerlink gossipsub topics that this relay's (non-relay) peers
 * join, and leaves them when none of those is left, so that a room's messages
 * cross from relay to relay. Other relays' subscriptions are not followed, or
 * two relays would keep each other in a topic forever. A relay is told by
 * the agent version it sends in identify: not by the protocols in the peer
 * store, which libp2p fills with every protocol a peer opened a stream for
 * (a browser that reserved a slot "has" the relay's hop protocol).
 *
 * Bounded against subscription floods (one peer subscribing to ~945 topics
 * made the relay announce them all to every peer, filling each peer's
 * per-peer topic budget so that they ignored the relay's real rooms):
 * - one peer makes the relay follow at most `maxTopicsPerPeer` topics; its
 *   further subscriptions are ignored while those stand;
 * - at most `maxTopics` are followed in all; when full, a topic that has not
 *   carried a message yet makes room (oldest first), else the new one waits;
 * - a topic must carry a message within `probation` ms of being joined, or it
 *   is left ("quiet"): real members publish (presence every 5 s, messages),
 *   a flood of bare subscriptions does not. A quiet topic is tried again when
 *   another peer subscribes to it. The first message on a new room is never
 *   lost to this: the relay joins at once and judges afterwards.
 *   (The alternative, waiting for a second subscriber, would break rooms
 *   whose members sit on different relays, one on each.)
 * - a peer's topics are let go when it disconnects, and left once no follower
 *   is left; a periodic sweep catches a missed event.
 */
export class TopicFollower implements Startable {
  private readonly init: TopicFollowerInit
  /** peer → the topics it brought (counted against its cap, followed or quiet) */
  private readonly broughtBy = new Map<string, Set<string>>()
  /** topic → the non-relay peers that brought it */
  private readonly followers = new Map<string, Set<string>>()
  /** topics joined */
  private readonly followed = new Map<string, Followed>()
  private ignoredCount = 0
  private timer?: ReturnType<typeof setInterval>

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    this.run(this.follow(evt.detail))
  }

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const followed = this.followed.get(evt.detail.topic)
    if (followed != null) followed.active = true
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.letGo(evt.detail.toString())
  }

  constructor (private readonly components: TopicFollowerComponents, init: Partial<TopicFollowerInit> = {}) {
    this.init = { ...DEFAULT_TOPIC_FOLLOWER_INIT, ...init }
  }

  /** Topics followed now, topics known but left for carrying no message, subscriptions ignored at a bound so far. */
  get stats (): { followed: number, quiet: number, ignored: number } {
    return { followed: this.followed.size, quiet: this.followers.size - this.followed.size, ignored: this.ignoredCount }
  }

  start (): void {
    this.components.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.components.pubsub.addEventListener('message', this.onMessage)
    this.components.events.addEventListener('peer:disconnect', this.onPeerDisconnect)
    const interval = Math.min(5_000, Math.max(100, Math.floor(this.init.probation / 4)))
    this.timer = setInterval(() => { this.sweep() }, interval)
    this.timer.unref?.()
  }

  stop (): void {
    clearInterval(this.timer)
    this.components.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.components.pubsub.removeEventListener('message', this.onMessage)
    this.components.events.removeEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  /** Leaves topics that stayed quiet through their probation and lets go of followers that have no connection. */
  sweep (): void {
    const { getConnections } = this.components
    if (getConnections != null) {
      const connected = new Set(getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))
      for (const peer of [...this.broughtBy.keys()]) {
        if (!connected.has(peer)) this.letGo(peer)
      }
    }
    const now = Date.now()
    for (const [topic, followed] of [...this.followed]) {
      if (!followed.active && now - followed.since >= this.init.probation) this.leave(topic, 'no message during its probation')
    }
  }

  private run (work: Promise<void>): void {
    work.catch(err => { this.components.log.error('following topics: %e', err) })
  }

  private async follow ({ peerId, subscriptions }: SubscriptionChangeData): Promise<void> {
    const { log } = this.components
    const ours = subscriptions.filter(s => s.topic.startsWith(TOPIC_PREFIX))
    log('%d subscription changes of %p, %d Peerlink topics', subscriptions.length, peerId, ours.length)
    if (ours.length === 0) return
    if (await this.isRelay(peerId)) {
      log('not following %p: a relay', peerId)
      return
    }
    const peer = peerId.toString()
    for (const { topic, subscribe } of ours) {
      if (!subscribe) {
        this.drop(peer, topic)
        continue
      }
      // it may have left while identify was awaited
      if (!this.isConnected(peerId)) return
      let brought = this.broughtBy.get(peer)
      if (brought?.has(topic) === true) continue
      if ((brought?.size ?? 0) >= this.init.maxTopicsPerPeer) {
        this.ignoredCount++
        continue
      }
      if (brought == null) {
        brought = new Set()
        this.broughtBy.set(peer, brought)
      }
      brought.add(topic)
      const followers = this.followers.get(topic) ?? new Set()
      followers.add(peer)
      this.followers.set(topic, followers)
      this.join(topic, peerId)
    }
    const ignored = ours.filter(s => s.subscribe && this.broughtBy.get(peer)?.has(s.topic) !== true).length
    if (ignored > 0) log('ignored %d topics of %p: it brought %d already', ignored, peerId, this.init.maxTopicsPerPeer)
  }

  private join (topic: string, by: PeerId): void {
    const { pubsub, log } = this.components
    if (this.followed.has(topic)) return
    if (this.followed.size >= this.init.maxTopics) {
      let oldest: string | undefined
      let oldestSince = Infinity
      for (const [t, f] of this.followed) {
        if (!f.active && f.since < oldestSince) {
          oldest = t
          oldestSince = f.since
        }
      }
      if (oldest == null) {
        this.ignoredCount++
        log('not following %s for %p: %d topics followed, all carrying messages', topic, by, this.followed.size)
        return
      }
      this.leave(oldest, 'room for a newer topic')
    }
    log('joining topic %s for %p', topic, by)
    this.followed.set(topic, { since: Date.now(), active: false })
    if (!pubsub.getTopics().includes(topic)) pubsub.subscribe(topic)
  }

  private leave (topic: string, why: string): void {
    if (!this.followed.delete(topic)) return
    this.components.log('leaving topic %s: %s', topic, why)
    this.components.pubsub.unsubscribe(topic)
  }

  /** `peer` no longer follows `topic`. */
  private drop (peer: string, topic: string): void {
    const brought = this.broughtBy.get(peer)
    if (brought?.delete(topic) !== true) return
    if (brought.size === 0) this.broughtBy.delete(peer)
    const followers = this.followers.get(topic)
    followers?.delete(peer)
    if (followers == null || followers.size === 0) {
      this.followers.delete(topic)
      this.leave(topic, 'no follower left')
    }
  }

  /** `peer` is gone: its topics are left unless another follower has them. */
  private letGo (peer: string): void {
    for (const topic of [...this.broughtBy.get(peer) ?? []]) this.drop(peer, topic)
  }

  private isConnected (peerId: PeerId): boolean {
    return this.components.getConnections?.(peerId).some(c => c.status === 'open') ?? true
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
