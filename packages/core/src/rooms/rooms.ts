import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { TypedEventEmitter } from 'main-event'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { backoffDelay, sleep } from '../connectivity/backoff.js'
import { frameStream } from '../connectivity/frames.js'
import { openStream } from '../connectivity/open-stream.js'
import { CONNECT_TIMEOUT_MS, STREAM_OPEN_TIMEOUT_MS } from '../constants.js'
import { ANTI_ENTROPY_TICKS, MAX_NAME_LENGTH, MAX_SYNC_FRAME_BYTES, PRESENCE_INTERVAL_MS, ROOM_SYNC_PROTOCOL, SYNC_TIMEOUT_MS } from './constants.js'
import { deriveRoomKeys, membershipProofBytes, verifyMembershipProofBytes } from './crypto.js'
import { utf8 } from './encoding.js'
import { HybridClock } from './hlc.js'
import { createRoomInvite } from './invite.js'
import { Room } from './room.js'
import { SyncRefusedError } from './errors.js'
import { requestHistory, serveHistory } from './sync.js'
import { loadHistory } from './upgrade.js'
import { afterClears, onStoreCleared } from '../storage/idb.js'
import type { RoomStore } from './store.js'
import type { RoomInvite, RoomsEvents, RoomSummary } from './types.js'
import type { GossipSub, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { AbortOptions, Libp2p, PrivateKey, Startable } from '@libp2p/interface'

const log = logger('peerlink:rooms')
const NAME_SETTING = 'displayName'
const SYNC_ATTEMPTS = 4

/** The gossipsub calls rooms make: topics, publishing and their events. */
export type RoomsPubSub = Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'addEventListener' | 'removeEventListener'>

export interface RoomsComponents {
  libp2p: Pick<Libp2p<{ pubsub: RoomsPubSub }>, 'peerId' | 'services' | 'handle' | 'unhandle' | 'dialProtocol' | 'contentRouting' | 'getConnections'>
  privateKey: PrivateKey
  connectToPeer(peerId: string, options?: AbortOptions): Promise<unknown>
}

export interface RoomsInit {
  store: RoomStore
}

/**
 * The rooms this device joined: one gossipsub topic each, history sync with
 * other members, presence, and discovery of members through DHT provider
 * records on the relays.
 */
export class Rooms extends TypedEventEmitter<RoomsEvents> implements Startable {
  private readonly rooms = new Map<string, { room: Room, joinedAt: number, created: boolean }>()
  private readonly byTopic = new Map<string, Room>()
  private readonly clock = new HybridClock()
  private readonly syncing = new Set<string>()
  private name = ''
  private away = false
  private timer?: ReturnType<typeof setInterval>
  private ticks = 0
  private unwatchStore?: () => void
  private readonly storageCleared = afterClears(async () => { await this.writeBack() }, err => { log.error('writing rooms back after a clear: %e', err) })
  private readonly profile = { name: () => this.name, away: () => this.away }
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const room = this.byTopic.get(evt.detail.topic)
    if (room == null) return
    const from = evt.detail.type === 'signed' ? evt.detail.from.toString() : undefined
    void room.receive(evt.detail.data, from).catch(err => { log.error('handling a message: %e', err) })
  }

  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    for (const { topic, subscribe } of evt.detail.subscriptions) {
      const room = this.byTopic.get(topic)
      if (room == null || !subscribe) continue
      // someone (a member, or a relay carrying the topic) is listening: send what waits, say who we are
      void room.flush()
      void room.announce()
    }
  }

  constructor (private readonly components: RoomsComponents, private readonly init: RoomsInit) {
    super()
  }

  async start (): Promise<void> {
    const { libp2p } = this.components
    this.name = (await this.init.store.getSetting(NAME_SETTING)) ?? ''
    this.unwatchStore = onStoreCleared(this.init.store, () => { this.storageCleared() })
    libp2p.services.pubsub.addEventListener('message', this.onMessage)
    libp2p.services.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    await libp2p.handle(ROOM_SYNC_PROTOCOL, async (stream, connection) => {
      const lp = frameStream(stream, { maxFrameBytes: MAX_SYNC_FRAME_BYTES })
      const options = { signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) }
      try {
        await serveHistory(lp, async (topic, proof) => {
          const room = this.byTopic.get(topic)
          return room != null && await verifyMembershipProofBytes(room.keys, topic, connection.remotePeer.toString(), proof) ? room : undefined
        }, options)
        await stream.close(options)
      } catch (err) {
        log('serving history to %p: %e', connection.remotePeer, err)
        stream.abort(err as Error)
      }
    }, { runOnLimitedConnection: true })
    for (const joined of await this.init.store.rooms()) {
      await this.open({ roomId: joined.roomId, key: joined.key }, joined.joinedAt, joined.created === true)
    }
    this.timer = setInterval(() => { this.tick() }, PRESENCE_INTERVAL_MS)
  }

  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.unwatchStore?.()
    this.unwatchStore = undefined
    const { libp2p } = this.components
    libp2p.services.pubsub.removeEventListener('message', this.onMessage)
    libp2p.services.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    await Promise.all([...this.rooms.values()].map(async ({ room }) => room.announce('offline')))
    for (const { room } of this.rooms.values()) room.stop()
    await libp2p.unhandle(ROOM_SYNC_PROTOCOL)
  }

  /** Creates a room with a random id and key, and joins it. */
  async create (): Promise<Room> {
    return this.join(createRoomInvite(), true)
  }

  /**
   * Joins a room (remembered across reloads); joining twice returns the same
   * room. A link with the id of a joined room and another key replaces the
   * room (and forgets what it held) unless the joined room's key is confirmed
   * (see `Room.keyState`): the way out of a wrong link is the right one.
   */
  async join (invite: RoomInvite, created = false): Promise<Room> {
    const existing = this.rooms.get(invite.roomId)
    if (existing != null) {
      if (existing.room.keyState === 'confirmed' || sameBytes(existing.room.invite.key, invite.key)) return existing.room
      log('replacing the unconfirmed key of %s with a link\'s other key', existing.room.topic)
      await this.leave(invite.roomId)
    }
    const joinedAt = Date.now()
    await this.init.store.addRoom(created ? { ...invite, joinedAt, created } : { ...invite, joinedAt })
    return this.open(invite, joinedAt, created)
  }

  /**
   * Leaves a room: says so to its members, unsubscribes from its topic and
   * forgets it on this device (its key, history and place in the list).
   */
  async leave (roomId: string): Promise<void> {
    const entry = this.rooms.get(roomId)
    if (entry == null) return
    await entry.room.announce('offline')
    entry.room.stop({ closed: true })
    this.rooms.delete(roomId)
    this.byTopic.delete(entry.room.topic)
    this.components.libp2p.services.pubsub.unsubscribe(entry.room.topic)
    await this.init.store.removeRoom(roomId)
    this.emitRooms()
  }

  get (roomId: string): Room | undefined {
    return this.rooms.get(roomId)?.room
  }

  list (): RoomSummary[] {
    return [...this.rooms.values()].map(({ room, joinedAt }) => ({ roomId: room.roomId, joinedAt, name: room.name }))
  }

  get displayName (): string {
    return this.name
  }

  /** Sets the name other members see (persisted, announced to every room). */
  async setDisplayName (name: string): Promise<void> {
    this.name = name.trim().slice(0, MAX_NAME_LENGTH)
    await this.init.store.setSetting(NAME_SETTING, this.name)
    for (const { room } of this.rooms.values()) void room.announce()
  }

  /** Away while the app is hidden; announced to every room. */
  setAway (away: boolean): void {
    if (away === this.away) return
    this.away = away
    for (const { room } of this.rooms.values()) void room.announce()
  }

  /** Pulls missing history from one member (rounds until it has everything). */
  async syncWith (room: Room, peerId: string, options: AbortOptions = {}): Promise<number> {
    const signal = options.signal ?? AbortSignal.timeout(SYNC_TIMEOUT_MS)
    const proof = await membershipProofBytes(room.keys, room.topic, this.components.libp2p.peerId.toString())
    let total = 0
    for (let round = 0; round < 20; round++) {
      const stream = await openStream(this.components, peerId, ROOM_SYNC_PROTOCOL, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS)]),
        streamTimeoutMs: STREAM_OPEN_TIMEOUT_MS
      })
      try {
        const lp = frameStream(stream, { maxFrameBytes: MAX_SYNC_FRAME_BYTES })
        const { received, more } = await requestHistory(lp, room, proof, async (envelopes) => {
          for (const envelope of envelopes) await room.ingest(envelope, false)
        }, { signal })
        await stream.close({ signal })
        total += received
        if (!more) break
      } catch (err) {
        stream.abort(err as Error)
        // the member's key is not ours: if ours is not confirmed, our link is the wrong one
        if (err instanceof SyncRefusedError) await room.keyMismatch('sync-refused', peerId)
        throw err
      }
    }
    return total
  }

  private async open (invite: RoomInvite, joinedAt: number, created: boolean): Promise<Room> {
    const { libp2p, privateKey } = this.components
    const room = new Room({
      pubsub: libp2p.services.pubsub,
      privateKey,
      peerId: libp2p.peerId.toString(),
      clock: this.clock,
      store: this.init.store,
      profile: this.profile,
      onMemberSeen: (r, peerId) => { this.onMemberSeen(r, peerId) }
    }, invite, await deriveRoomKeys(invite.key), await loadHistory(this.init.store, invite.roomId), { created })
    this.rooms.set(room.roomId, { room, joinedAt, created })
    this.byTopic.set(room.topic, room)
    room.addEventListener('room:renamed', () => { if (this.rooms.get(room.roomId)?.room === room) this.emitRooms() })
    libp2p.services.pubsub.subscribe(room.topic)
    this.emitRooms()
    void room.announce()
    void room.flush()
    void this.discover(room)
    return room
  }

  /**
   * The browser deleted the rooms' databases (site data cleared while the app
   * ran): what this page holds is written back (the joined rooms with their
   * keys, the display name, every room's history), so a reload still has
   * them, and every member online is asked for the history it holds that we
   * do not (the history sync).
   */
  private async writeBack (): Promise<void> {
    const { store } = this.init
    let messages = 0
    for (const { room, joinedAt, created } of [...this.rooms.values()]) {
      await store.addRoom(created ? { ...room.invite, joinedAt, created } : { ...room.invite, joinedAt })
      const history = room.log.all()
      if (history.length > 0) await store.putMessages(room.roomId, history)
      messages += history.length
      for (const member of room.members()) {
        if (!member.self && member.state !== 'offline') this.syncInBackground(room, member.peerId)
      }
    }
    if (this.name !== '') await store.setSetting(NAME_SETTING, this.name)
    log('storage cleared: wrote back %d rooms and %d messages', this.rooms.size, messages)
    this.safeDispatchEvent('storage:cleared', { detail: { rooms: this.rooms.size, messages } })
  }

  private onMemberSeen (room: Room, peerId: string): void {
    // tell the newcomer about us, fetch what it has that we miss, and try for a direct connection
    void room.announce()
    this.syncInBackground(room, peerId)
    // one side dials, so two members do not race to open two connections
    if (this.components.libp2p.peerId.toString() < peerId) void this.connectDirect(peerId)
  }

  private syncInBackground (room: Room, peerId: string): void {
    const key = `${room.roomId}/${peerId}`
    if (this.syncing.has(key)) return
    this.syncing.add(key)
    void (async () => {
      // a member just seen may not be reachable yet (its reservation is fresh): retry a few times
      for (let attempt = 0; attempt < SYNC_ATTEMPTS && this.rooms.has(room.roomId); attempt++) {
        try {
          const n = await this.syncWith(room, peerId)
          log('synced %d messages of %s from %s', n, room.topic, peerId)
          return
        } catch (err) {
          log('syncing %s from %s, attempt %d: %e', room.topic, peerId, attempt, err)
          await sleep(backoffDelay(attempt, { initialMs: 1000, maxMs: 8000, jitter: 0.2 }))
        }
      }
    })().finally(() => this.syncing.delete(key))
  }

  private async connectDirect (peerId: string): Promise<void> {
    const connections = this.components.libp2p.getConnections(peerIdFromString(peerId))
    if (connections.some(c => c.status === 'open' && c.limits == null)) return
    try {
      await this.components.connectToPeer(peerId, { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) })
    } catch (err) {
      log('no direct connection to member %s: %e', peerId, err)
    }
  }

  /** Announces this device as a member on the relays' DHT and connects to the members it finds. */
  private async discover (room: Room): Promise<void> {
    const { libp2p } = this.components
    const cid = CID.createV1(0x55, Digest.create(0x12, sha256(utf8.encode(room.topic))))
    const signal = AbortSignal.timeout(60_000)
    try {
      await libp2p.contentRouting.provide(cid, { signal })
    } catch (err) {
      log('providing %s: %e', room.topic, err)
    }
    try {
      for await (const provider of libp2p.contentRouting.findProviders(cid, { signal })) {
        const id = provider.id.toString()
        if (id !== libp2p.peerId.toString()) void this.connectDirect(id)
      }
    } catch (err) {
      log('finding members of %s: %e', room.topic, err)
    }
  }

  private tick (): void {
    this.ticks++
    for (const { room } of this.rooms.values()) {
      room.expireMembers()
      void room.announce()
      void room.flush()
      // anti-entropy: now and then compare history with one member, to heal
      // messages gossip lost while a connection was down
      if (this.ticks % ANTI_ENTROPY_TICKS === 0) {
        const online = room.members().filter(m => !m.self && m.state !== 'offline')
        const member = online[Math.floor(Math.random() * online.length)]
        if (member != null) this.syncInBackground(room, member.peerId)
      }
    }
  }

  private emitRooms (): void {
    this.safeDispatchEvent('rooms:changed', { detail: this.list() })
  }
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
