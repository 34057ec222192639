/**
 * Which peers' topics the relay follows: browsers', told apart from other
 * relays by their identify agent version, never by the protocols the peer
 * store lists (a browser that reserved a slot is listed with the hop protocol).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { parsePeerId, peerIdOf, TOPIC_PREFIX } from '@peerlink/core'
import { describe, expect, it } from 'vitest'
import { RELAY_AGENT_NAME, TopicFollower, type TopicFollowerComponents } from '../src/topic-follower.js'
import type { PeerId } from '@libp2p/interface'

const HOP = '/libp2p/circuit/relay/0.2.0/hop'
const TOPIC = `${TOPIC_PREFIX}room/abc`

async function peerId (): Promise<PeerId> {
  return parsePeerId(peerIdOf(await generateKeyPair('Ed25519')))
}

/** A relay's gossipsub, peer store and events, just enough for the follower. */
function fakes (agents: Map<string, string>) {
  const topics = new Set<string>()
  const subscribers = new Map<string, PeerId[]>()
  const pubsub = Object.assign(new EventTarget(), {
    getTopics: () => [...topics],
    subscribe: (t: string) => { topics.add(t) },
    unsubscribe: (t: string) => { topics.delete(t) },
    getSubscribers: (t: string) => subscribers.get(t) ?? []
  })
  const peerStore = {
    get: async (id: PeerId) => {
      const agent = agents.get(id.toString())
      // libp2p lists every protocol a peer opened a stream for, hop included for a browser that reserved
      return { protocols: [HOP], metadata: new Map(agent == null ? [] : [['AgentVersion', new TextEncoder().encode(agent)]]) }
    }
  }
  const events = new EventTarget()
  const components = { pubsub, peerStore, events, log: logger('test:follower') } as unknown as TopicFollowerComponents
  const subscribe = async (peer: PeerId, subscribe: boolean): Promise<void> => {
    const list = (subscribers.get(TOPIC) ?? []).filter(p => !p.equals(peer))
    subscribers.set(TOPIC, subscribe ? [...list, peer] : list)
    pubsub.dispatchEvent(new CustomEvent('subscription-change', { detail: { peerId: peer, subscriptions: [{ topic: TOPIC, subscribe }] } }))
    // the follower's work is asynchronous (peer store reads)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return { topics, components, events, subscribe }
}

describe('the relay follows its browsers\' topics', () => {
  it('follows a browser listed with the hop protocol, not another relay, and leaves once no browser is left', async () => {
    const [browser, relay] = [await peerId(), await peerId()]
    const agents = new Map([[browser.toString(), 'libp2p/3.3.11 browser/Mozilla/5.0'], [relay.toString(), `${RELAY_AGENT_NAME}/0.1.0 node/22`]])
    const { topics, components, subscribe } = fakes(agents)
    const follower = new TopicFollower(components)
    follower.start()
    await subscribe(relay, true)
    expect(topics.has(TOPIC)).toBe(false)
    await subscribe(browser, true)
    expect(topics.has(TOPIC)).toBe(true)
    await subscribe(browser, false)
    expect(topics.has(TOPIC)).toBe(false)
    follower.stop()
  })

  it('waits for identify when a peer\'s subscriptions come first', async () => {
    const [relay, browser] = [await peerId(), await peerId()]
    const agents = new Map<string, string>()
    const { topics, components, events, subscribe } = fakes(agents)
    const follower = new TopicFollower(components)
    follower.start()
    const subscribed = subscribe(relay, true)
    agents.set(relay.toString(), `${RELAY_AGENT_NAME}/0.1.0 node/22`)
    events.dispatchEvent(new CustomEvent('peer:identify', { detail: { peerId: relay, agentVersion: agents.get(relay.toString()) } }))
    await subscribed
    expect(topics.has(TOPIC)).toBe(false)
    // a browser identifies as itself
    const pending = subscribe(browser, true)
    events.dispatchEvent(new CustomEvent('peer:identify', { detail: { peerId: browser, agentVersion: 'libp2p/3.3.11 browser/x' } }))
    await pending
    expect(topics.has(TOPIC)).toBe(true)
    follower.stop()
  })
})

describe('the relay\'s followed topics are bounded', () => {
  const browserAgent = 'libp2p/3.3.11 browser/x'
  const subscribeAll = async (pubsub: EventTarget, peer: PeerId, topics: string[]): Promise<void> => {
    pubsub.dispatchEvent(new CustomEvent('subscription-change', { detail: { peerId: peer, subscriptions: topics.map(topic => ({ topic, subscribe: true })) } }))
    await new Promise(resolve => setTimeout(resolve, 20))
  }

  it('follows at most maxTopicsPerPeer of one peer\'s topics and maxTopics in all, making room with a topic that carried no message', async () => {
    const [a, b] = [await peerId(), await peerId()]
    const agents = new Map([[a.toString(), browserAgent], [b.toString(), browserAgent]])
    const { topics, components } = fakes(agents)
    const follower = new TopicFollower(components, { maxTopics: 3, maxTopicsPerPeer: 2, probation: 60_000 })
    follower.start()
    await subscribeAll(components.pubsub, a, [`${TOPIC_PREFIX}a1`, `${TOPIC_PREFIX}a2`, `${TOPIC_PREFIX}a3`])
    expect([...topics]).toEqual([`${TOPIC_PREFIX}a1`, `${TOPIC_PREFIX}a2`])
    expect(follower.stats.ignored).toBe(1)
    // a1 carries a message; b's two topics fill the third slot, then take a2's (quiet) place
    components.pubsub.dispatchEvent(new CustomEvent('message', { detail: { topic: `${TOPIC_PREFIX}a1` } }))
    await subscribeAll(components.pubsub, b, [`${TOPIC_PREFIX}b1`, `${TOPIC_PREFIX}b2`])
    expect([...topics].sort()).toEqual([`${TOPIC_PREFIX}a1`, `${TOPIC_PREFIX}b1`, `${TOPIC_PREFIX}b2`])
    expect(follower.stats).toEqual({ followed: 3, quiet: 1, ignored: 1 })
    follower.stop()
  })

  it('leaves a topic that carries no message during its probation, and keeps one that does', async () => {
    const a = await peerId()
    const { topics, components } = fakes(new Map([[a.toString(), browserAgent]]))
    const follower = new TopicFollower(components, { maxTopics: 10, maxTopicsPerPeer: 10, probation: 100 })
    follower.start()
    await subscribeAll(components.pubsub, a, [`${TOPIC_PREFIX}quiet`, `${TOPIC_PREFIX}busy`])
    components.pubsub.dispatchEvent(new CustomEvent('message', { detail: { topic: `${TOPIC_PREFIX}busy` } }))
    // the sweep runs every probation / 4 (at least 100 ms)
    const deadline = Date.now() + 5000
    while (topics.has(`${TOPIC_PREFIX}quiet`) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    expect([...topics]).toEqual([`${TOPIC_PREFIX}busy`])
    expect(follower.stats).toEqual({ followed: 1, quiet: 1, ignored: 0 })
    follower.stop()
  })
})
