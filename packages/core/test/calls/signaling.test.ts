/**
 * Calls over an in-memory network: streams are @libp2p/utils stream pairs and
 * the "connection" names the dialer as remote peer (as Noise would); rooms
 * are a shared member list whose `inCall` flags stand for room presence.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it } from 'vitest'
import { Calls } from '../../src/calls/calls.js'
import { readCallFrame } from '../../src/calls/link.js'
import { encodeCallFrame, newSessionId } from '../../src/calls/codec.js'
import { CALL_PROOF_CONTEXT, CALL_PROTOCOL, MAX_CALL_FRAME_BYTES } from '../../src/calls/constants.js'
import { CallUnavailableError } from '../../src/calls/errors.js'
import { CallFrame as WireFrame, Sdp } from '../../src/calls/pb/call.js'
import { frameStream, type FrameStream } from '../../src/connectivity/frames.js'
import { deriveRoomKeys, membershipProof, type RoomKeys } from '../../src/rooms/crypto.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import type { Call } from '../../src/calls/call.js'
import type { CallEvents, Participant } from '../../src/calls/types.js'
import type { Member, RoomEvents, RoomInvite, RoomsEvents } from '../../src/rooms/types.js'
import type { Connection, PeerId, Stream, StreamHandler } from '@libp2p/interface'

/** A call stream's frames, as the service reads them. */
const callFrames = (stream: Stream): FrameStream => frameStream(stream, { maxFrameBytes: MAX_CALL_FRAME_BYTES })

/** Peers by PeerId; a peer is reachable while it has a handler for the protocol. */
const network = new Map<string, FakeLibp2p>()

class FakeLibp2p {
  readonly handlers = new Map<string, StreamHandler>()
  /** Streams the handler was given, to check how they ended. */
  readonly inbound: Stream[] = []
  readonly outbound: Stream[] = []
  readonly connected = new Set<string>()
  constructor (readonly peerId: PeerId) {
    network.set(peerId.toString(), this)
  }

  async handle (protocol: string, handler: StreamHandler): Promise<void> {
    this.handlers.set(protocol, handler)
  }

  async unhandle (protocol: string): Promise<void> {
    this.handlers.delete(protocol)
  }

  getConnections (peer?: PeerId): Connection[] {
    return [...this.connected]
      .filter(id => peer == null || id === peer.toString())
      .map(id => ({ status: 'open', remoteAddr: `/fake/${id}`, newStream: async (protocol: string) => this.openStream(id, protocol) }) as unknown as Connection)
  }

  async connect (id: string): Promise<void> {
    const target = network.get(id)
    if (target == null || target.handlers.size === 0) throw new Error(`${id} is unreachable`)
    this.connected.add(id)
    target.connected.add(this.peerId.toString())
  }

  async dialProtocol (peer: PeerId, protocol: string): Promise<Stream> {
    return this.openStream(peer.toString(), protocol)
  }

  async openStream (id: string, protocol: string): Promise<Stream> {
    const target = network.get(id)
    const handler = target?.handlers.get(protocol)
    if (target == null || handler == null) throw new Error(`${id} is unreachable`)
    const [outbound, inbound] = await streamPair()
    target.inbound.push(inbound)
    this.outbound.push(outbound)
    void handler(inbound, { remotePeer: this.peerId } as unknown as Connection)
    return outbound
  }
}

/** A room's members as every member sees them: name, state and the call flag of their presence. */
class RoomHub {
  readonly members = new Map<string, { name: string, state: Member['state'], inCall: boolean }>()
  readonly views = new Set<FakeRoom>()
  constructor (readonly invite: RoomInvite) {}

  set (peerId: string, change: Partial<{ name: string, state: Member['state'], inCall: boolean }>): void {
    const member = this.members.get(peerId) ?? { name: '', state: 'online', inCall: false }
    this.members.set(peerId, { ...member, ...change })
    for (const view of this.views) view.safeDispatchEvent('members:changed', { detail: view.members() })
  }
}

class FakeRoom extends TypedEventEmitter<RoomEvents> {
  readonly roomId: string
  readonly topic: string
  constructor (private readonly hub: RoomHub, private readonly peerId: string, readonly keys: RoomKeys) {
    super()
    this.roomId = hub.invite.roomId
    this.topic = roomTopic(hub.invite.roomId)
    hub.views.add(this)
    hub.set(peerId, { name: peerId.slice(-4) })
  }

  members (): Member[] {
    return [...this.hub.members.entries()].map(([peerId, m]) => ({ peerId, ...m, lastSeen: Date.now(), self: peerId === this.peerId }))
  }

  setInCall (inCall: boolean): void {
    this.hub.set(this.peerId, { inCall })
  }
}

class FakeRooms extends TypedEventEmitter<RoomsEvents> {
  readonly rooms = new Map<string, FakeRoom>()
  list (): Array<{ roomId: string, joinedAt: number, name: string }> {
    return [...this.rooms.keys()].map(roomId => ({ roomId, joinedAt: 0, name: '' }))
  }

  get (roomId: string): FakeRoom | undefined {
    return this.rooms.get(roomId)
  }
}

interface Node {
  id: string
  libp2p: FakeLibp2p
  rooms: FakeRooms
  calls: Calls
}

const running: Calls[] = []

async function node (): Promise<Node> {
  const key = await generateKeyPair('Ed25519')
  const libp2p = new FakeLibp2p(peerIdFromPrivateKey(key))
  const rooms = new FakeRooms()
  const calls = new Calls({ libp2p, rooms, connectToPeer: async (id: string) => { await libp2p.connect(id) } }, { retry: { initialMs: 20, maxMs: 100, jitter: 0 }, linkGraceMs: 300 })
  await calls.start()
  running.push(calls)
  return { id: libp2p.peerId.toString(), libp2p, rooms, calls }
}

/** Puts `n` in the room of `hub`, holding `key` (the room's, unless a forger's). */
async function enter (n: Node, hub: RoomHub, key = hub.invite.key): Promise<FakeRoom> {
  const room = new FakeRoom(hub, n.id, await deriveRoomKeys(key))
  n.rooms.rooms.set(room.roomId, room)
  return room
}

/** The next `type` event of `call` that matches. */
async function next<K extends keyof CallEvents> (call: Call, type: K, match: (detail: CallEvents[K]['detail']) => boolean = () => true, ms = 5000): Promise<CallEvents[K]['detail']> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`no ${type} event within ${ms} ms; participants ${JSON.stringify(call.participants())}`)) }, ms)
    const listener = (evt: CallEvents[K]): void => {
      if (!match(evt.detail)) return
      clearTimeout(timer)
      call.removeEventListener(type, listener)
      resolve(evt.detail)
    }
    call.addEventListener(type, listener)
  })
}

async function ended (stream: Stream | undefined): Promise<string> {
  if (stream == null) throw new Error('no stream')
  if (stream.status !== 'open') return stream.status
  return new Promise(resolve => { stream.addEventListener('close', () => { resolve(stream.status) }, { once: true }) })
}

const media = { audio: true, video: true, screen: false }

afterEach(async () => {
  for (const calls of running.splice(0)) await calls.stop()
  network.clear()
})

describe('Calls', () => {
  it('links two members in a call both ways, carries signals and media state, and ends with a bye', async () => {
    const hub = new RoomHub(createRoomInvite())
    const [a, b] = [await node(), await node()]
    const [roomA] = [await enter(a, hub), await enter(b, hub)]
    const callA = await a.calls.join(hub.invite.roomId, { media })
    expect(roomA.members().find(m => m.self)?.inCall).toBe(true)
    expect(callA.participants()).toEqual([])

    const joinedAtA = next(callA, 'participant:joined')
    const callB = await b.calls.join(hub.invite.roomId, { media: { audio: false, video: true, screen: false } })
    const joinedAtB = next(callB, 'participant:joined')
    const [pa, pb] = [await joinedAtA, await joinedAtB]
    expect(pa).toMatchObject({ peerId: b.id, session: callB.session, media: { audio: false, video: true, screen: false }, link: 'connected', name: b.id.slice(-4) })
    expect(pb).toMatchObject({ peerId: a.id, session: callA.session, media, link: 'connected' })
    // exactly one side is polite
    expect(pa.polite).toBe(a.id > b.id)
    expect(pb.polite).toBe(!pa.polite)
    expect(a.calls.list()).toEqual([{ roomId: hub.invite.roomId, session: callA.session, participants: 1 }])

    // signals go both ways, in order
    const offer = next(callB, 'participant:signal')
    expect(callA.signal(b.id, { kind: 'description', description: { type: 'offer', sdp: 'v=0\r\ns=-\r\n' } })).toBe(true)
    expect(await offer).toEqual({ peerId: a.id, session: callA.session, signal: { kind: 'description', description: { type: 'offer', sdp: 'v=0\r\ns=-\r\n' } } })
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' }
    const ice = next(callA, 'participant:signal')
    callB.signal(a.id, { kind: 'candidate', candidate })
    expect((await ice).signal).toEqual({ kind: 'candidate', candidate })

    // mute is seen at the other side
    const updated = next(callB, 'participant:updated', p => !p.media.audio)
    callA.setMedia({ audio: false, video: true, screen: false })
    expect((await updated).media).toEqual({ audio: false, video: true, screen: false })

    // B leaves: A hears a bye, B's presence drops the flag
    const left = next(callA, 'participant:left')
    const endedB = next(callB, 'call:ended')
    await callB.leave()
    expect(await left).toEqual({ peerId: b.id, session: callB.session, reason: 'left' })
    await endedB
    expect(callA.participants()).toEqual([])
    expect(roomA.members().find(m => m.peerId === b.id)?.inCall).toBe(false)
    expect(b.calls.get(hub.invite.roomId)).toBeUndefined()
    expect(callB.signal(a.id, { kind: 'candidate', candidate })).toBe(false)

    // B comes back: a new session, a new participant at A
    const rejoined = next(callA, 'participant:joined')
    const callB2 = await b.calls.join(hub.invite.roomId, { media })
    expect(callB2.session).not.toBe(callB.session)
    expect((await rejoined).session).toBe(callB2.session)
  })

  it('makes a full mesh of three, and the other two keep their link when one leaves', async () => {
    const hub = new RoomHub(createRoomInvite())
    const nodes = [await node(), await node(), await node()]
    for (const n of nodes) await enter(n, hub)
    const calls = []
    for (const n of nodes) calls.push(await n.calls.join(hub.invite.roomId, { media }))
    const full = async (call: Call): Promise<void> => {
      while (call.participants().filter(p => p.link === 'connected').length < 2) await next(call, 'participant:joined')
    }
    await Promise.all(calls.map(full))
    const [c0, c1, c2] = calls as [Call, Call, Call]
    const left = [next(c0, 'participant:left'), next(c1, 'participant:left')]
    await c2.leave()
    expect((await Promise.all(left)).map(l => l.reason)).toEqual(['left', 'left'])
    expect(c0.participants().map(p => p.peerId)).toEqual([nodes[1]!.id])
    const signal = next(c1, 'participant:signal')
    c0.signal(nodes[1]!.id, { kind: 'description', description: { type: 'offer', sdp: 'v=0\r\n' } })
    expect((await signal).peerId).toBe(nodes[0]!.id)
  })

  it('refuses a peer without the room key, and one that shows another member\'s proof', async () => {
    const invite = createRoomInvite()
    const hub = new RoomHub(invite)
    const [a, b, mallory] = [await node(), await node(), await node()]
    await enter(a, hub)
    await enter(b, hub)
    const callA = await a.calls.join(invite.roomId, { media })

    // Mallory knows the room id (so the topic) but not the key: its proof does not verify
    const forgedHub = new RoomHub({ roomId: invite.roomId, key: createRoomInvite().key })
    await enter(mallory, forgedHub)
    forgedHub.set(a.id, { inCall: true })
    hub.set(mallory.id, { inCall: true })
    const callM = await mallory.calls.join(invite.roomId, { media })
    // whoever dials (the lower PeerId), the other refuses: A refuses Mallory's proof, Mallory cannot prove A's wrong
    const [dialer, listener] = mallory.id < a.id ? [mallory, a] : [a, mallory]
    const inbound = await waitFor(() => listener.libp2p.inbound[0])
    expect(['closed', 'aborted', 'reset']).toContain(await ended(inbound))
    expect(['closed', 'aborted', 'reset']).toContain(await ended(dialer.libp2p.outbound[0]))
    expect(callA.participants()).toEqual([])
    expect(callM.participants()).toEqual([])

    // a raw stream with B's valid proof, but from Mallory's PeerId (the Noise-authenticated remote peer)
    const stolen = await membershipProof(await deriveRoomKeys(invite.key), roomTopic(invite.roomId) + CALL_PROOF_CONTEXT, b.id)
    const stream = await mallory.libp2p.openStream(a.id, CALL_PROTOCOL)
    const lp = callFrames(stream)
    await lp.write(encodeCallFrame({ t: 'hello', topic: roomTopic(invite.roomId), proof: stolen, session: newSessionId(), known: null, media }))
    expect(await readCallFrame(lp, AbortSignal.timeout(5000), 'the answer')).toEqual({ t: 'refuse', reason: 'not-member' })
    await stream.close()
    expect(await ended(a.libp2p.inbound.at(-1))).toBe('closed')
    expect(callA.participants()).toEqual([])

    // the same proof from B itself is accepted
    const own = await b.libp2p.openStream(a.id, CALL_PROTOCOL)
    const lpB = callFrames(own)
    const joined = next(callA, 'participant:joined')
    await lpB.write(encodeCallFrame({ t: 'hello', topic: roomTopic(invite.roomId), proof: stolen, session: newSessionId(), known: null, media }))
    expect(await readCallFrame(lpB, AbortSignal.timeout(5000), 'the answer')).toMatchObject({ t: 'hello', topic: roomTopic(invite.roomId), session: callA.session, known: null })
    expect((await joined).peerId).toBe(b.id)
  })

  it('refuses a member that is not in the call, and a room we are not in', async () => {
    const invite = createRoomInvite()
    const hub = new RoomHub(invite)
    const [a, b] = [await node(), await node()]
    await enter(a, hub)
    await enter(b, hub)
    const proof = await membershipProof(await deriveRoomKeys(invite.key), roomTopic(invite.roomId) + CALL_PROOF_CONTEXT, b.id)
    const stream = await b.libp2p.openStream(a.id, CALL_PROTOCOL)
    const lp = callFrames(stream)
    await lp.write(encodeCallFrame({ t: 'hello', topic: roomTopic(invite.roomId), proof, session: newSessionId(), known: null, media }))
    expect(await readCallFrame(lp, AbortSignal.timeout(5000), 'the answer')).toEqual({ t: 'refuse', reason: 'not-in-call' })

    const other = createRoomInvite()
    const stream2 = await b.libp2p.openStream(a.id, CALL_PROTOCOL)
    const lp2 = callFrames(stream2)
    const proof2 = await membershipProof(await deriveRoomKeys(other.key), roomTopic(other.roomId) + CALL_PROOF_CONTEXT, b.id)
    await lp2.write(encodeCallFrame({ t: 'hello', topic: roomTopic(other.roomId), proof: proof2, session: newSessionId(), known: null, media }))
    expect(await readCallFrame(lp2, AbortSignal.timeout(5000), 'the answer')).toEqual({ t: 'refuse', reason: 'not-member' })

    await expect(a.calls.join(other.roomId)).rejects.toThrow(CallUnavailableError)
  })

  it('aborts a stream that sends a malformed or oversized frame, before or after the hello', async () => {
    const invite = createRoomInvite()
    const hub = new RoomHub(invite)
    const [a, b] = [await node(), await node()]
    await enter(a, hub)
    await enter(b, hub)
    const callA = await a.calls.join(invite.roomId, { media })

    // garbage instead of a hello
    const s1 = await b.libp2p.openStream(a.id, CALL_PROTOCOL)
    // a hello whose length runs past the end of the frame
    await callFrames(s1).write(new Uint8Array([0x0a, 0x10, 0x0a]))
    expect(await ended(a.libp2p.inbound.at(-1))).toBe('aborted')

    // a length prefix over the frame limit
    const s2 = await b.libp2p.openStream(a.id, CALL_PROTOCOL)
    s2.send(new Uint8Array([0xff, 0xff, 0xff, 0x7f]))
    expect(await ended(a.libp2p.inbound.at(-1))).toBe('aborted')

    // a good hello, then a malformed signal: the link is aborted and, not re-made, the participant is lost
    hub.set(b.id, { inCall: true })
    const proof = await membershipProof(await deriveRoomKeys(invite.key), roomTopic(invite.roomId) + CALL_PROOF_CONTEXT, b.id)
    const s3 = await b.libp2p.openStream(a.id, CALL_PROTOCOL)
    const lp = callFrames(s3)
    const joined = next(callA, 'participant:joined')
    await lp.write(encodeCallFrame({ t: 'hello', topic: roomTopic(invite.roomId), proof, session: newSessionId(), known: null, media }))
    await readCallFrame(lp, AbortSignal.timeout(5000), 'the hello')
    await joined
    const reconnecting = next(callA, 'participant:updated', p => p.link === 'reconnecting')
    const lost = next(callA, 'participant:left')
    await lp.write(WireFrame.encode({ sdp: { type: Sdp.Type.OFFER, sdp: 'not sdp' } }))
    expect(await ended(a.libp2p.inbound.at(-1))).toBe('aborted')
    await reconnecting
    expect((await lost).reason).toBe('lost')
  })

  it('keeps a participant whose signaling stream broke, and carries on over a new stream with the same session', async () => {
    const hub = new RoomHub(createRoomInvite())
    const [a, b] = [await node(), await node()]
    await enter(a, hub)
    await enter(b, hub)
    const callA = await a.calls.join(hub.invite.roomId, { media })
    const joinedA = next(callA, 'participant:joined')
    const callB = await b.calls.join(hub.invite.roomId, { media })
    await joinedA
    const [dialer, listener] = a.id < b.id ? [a, b] : [b, a]
    const [dialerCall, listenerCall] = a.id < b.id ? [callA, callB] : [callB, callA]
    const events: string[] = []
    for (const type of ['participant:joined', 'participant:left'] as const) listenerCall.addEventListener(type, () => events.push(type))
    const back = next(listenerCall, 'participant:updated', p => p.link === 'connected')
    const outbound = dialer.libp2p.outbound.length
    // the connection under the stream goes away (a relay's circuit limit, say)
    listener.libp2p.inbound.at(-1)!.abort(new Error('circuit closed'))
    await back
    expect(dialer.libp2p.outbound.length).toBe(outbound + 1)
    expect(events).toEqual([])
    expect(listenerCall.participants()).toMatchObject([{ peerId: dialer.id, session: dialerCall.session, link: 'connected' }])
    // signals queued while the link was down are delivered
    const signal = next(dialerCall, 'participant:signal')
    listenerCall.signal(dialer.id, { kind: 'description', description: { type: 'answer', sdp: 'v=0\r\n' } })
    expect((await signal).signal).toMatchObject({ kind: 'description' })
  })

  it('drops a participant whose presence says it went offline once its link breaks, and leaves the call when the room is left', async () => {
    const hub = new RoomHub(createRoomInvite())
    const [a, b] = [await node(), await node()]
    await enter(a, hub)
    await enter(b, hub)
    const callA = await a.calls.join(hub.invite.roomId, { media })
    const joined = next(callA, 'participant:joined')
    await b.calls.join(hub.invite.roomId, { media })
    const p: Participant = await joined
    // presence alone does not drop a participant whose link is up (the link says bye itself)
    hub.set(b.id, { state: 'offline', inCall: false })
    expect(callA.participants().map(x => x.peerId)).toEqual([b.id])
    // once its link breaks too, it is gone at once, without waiting for a new link
    const left = next(callA, 'participant:left')
    const streams = [...a.libp2p.inbound, ...a.libp2p.outbound].filter(s => s.status === 'open')
    for (const stream of streams) stream.abort(new Error('tab closed'))
    expect(await left).toEqual({ peerId: b.id, session: p.session, reason: 'lost' })

    const endedA = next(callA, 'call:ended')
    a.rooms.rooms.clear()
    a.rooms.safeDispatchEvent('rooms:changed', { detail: [] })
    await endedA
    expect(a.calls.list()).toEqual([])
  })
})

async function waitFor<T> (get: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    const value = get()
    if (value != null) return value
    await new Promise(resolve => setTimeout(resolve, 10))
  }
  throw new Error('timed out')
}
