/**
 * What members do to a room's messages beside writing them: name the room
 * (the latest naming by clock wins, whatever order namings arrive in),
 * reply, react (and withdraw a reaction), edit and delete their own messages
 * (never another member's: such forgeries are dropped as `not-author`, also
 * when they arrive before the message they name), and say they are typing.
 * Members exchange envelopes through an in-memory network that holds every
 * publication until the test delivers it; late joiners pull history through
 * the real sync protocol over a stream pair. Shared files carry a preview
 * (thumbnail and size) that members check, and leave out when it breaks a limit.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { streamPair } from '@libp2p/utils'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { frameStream } from '../../src/connectivity/frames.js'
import { MAX_ENVELOPE_BYTES, MAX_SYNC_FRAME_BYTES, MAX_TEXT_BYTES, MAX_THUMBNAIL_BYTES, MAX_THUMBNAIL_SIDE, TYPING_INTERVAL_MS, TYPING_TIMEOUT_MS } from '../../src/rooms/constants.js'
import { deriveRoomKeys, openEnvelope, sealEnvelope } from '../../src/rooms/crypto.js'
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../src/rooms/envelope.js'
import { EmptyMessageError, InvalidPreviewError, MessageNotFoundError, NotAuthorError, UnknownReactionError } from '../../src/rooms/errors.js'
import { HybridClock } from '../../src/rooms/hlc.js'
import { createRoomInvite, roomTopic } from '../../src/rooms/invite.js'
import type { Payload } from '../../src/rooms/payload.js'
import { Room } from '../../src/rooms/room.js'
import { isAction, MemoryRoomStore, type StoredRecord } from '../../src/rooms/store.js'
import { requestHistory, serveHistory } from '../../src/rooms/sync.js'
import type { ChatMessage, DropReason, FileAttachment, FilePreview, PreviewRejection, RoomInvite } from '../../src/rooms/types.js'
import { startRooms } from '../support/rooms.js'
import { thumbnail } from '../support/thumbnails.js'
import type { PrivateKey } from '@libp2p/interface'

interface Member {
  room: Room
  store: MemoryRoomStore
  privateKey: PrivateKey
  peerId: string
  /** Frames published to this member and not delivered yet. */
  inbox: Uint8Array[]
  /** How many frames this member published, receipts left out (they go on a timer, which a slow run may reach). */
  published: () => Promise<number>
}

interface Network {
  invite: RoomInvite
  members: Member[]
  /** Delivers every frame waiting for `to` (all members when omitted), in the order given. */
  deliver(to?: Member, order?: (frames: Uint8Array[]) => Uint8Array[]): Promise<void>
  /** A new member joining later, reached by nobody until the test says. */
  join(name: string): Promise<Member>
}

async function network (names: string[]): Promise<Network> {
  const invite = createRoomInvite()
  const keys = await deriveRoomKeys(invite.key)
  const members: Member[] = []
  const join = async (name: string, stored: StoredRecord[] = []): Promise<Member> => {
    const privateKey = await generateKeyPair('Ed25519')
    const peerId = peerIdFromPrivateKey(privateKey).toString()
    const store = new MemoryRoomStore()
    const sent: Uint8Array[] = []
    const member: Member = {
      store,
      privateKey,
      peerId,
      inbox: [],
      published: async () => (await Promise.all(sent.map(async frame => openEnvelope(keys, decodeEnvelope(frame))))).filter(p => p.k !== 'receipt').length,
      room: new Room({
        pubsub: {
          publish: async (_topic: string, data: Uint8Array) => {
            sent.push(data)
            const others = members.filter(m => m !== member)
            for (const other of others) other.inbox.push(data)
            return { recipients: others.map(o => peerIdFromPrivateKey(o.privateKey)) }
          }
        },
        privateKey,
        peerId,
        clock: new HybridClock(),
        store,
        profile: { name: () => name, away: () => false },
        onMemberSeen: () => {}
      }, invite, keys, stored)
    }
    members.push(member)
    return member
  }
  for (const name of names) await join(name)
  return {
    invite,
    members,
    join,
    deliver: async (to, order = frames => frames) => {
      for (const member of to == null ? members : [to]) {
        const frames = order(member.inbox.splice(0))
        for (const frame of frames) await member.room.receive(frame)
      }
    }
  }
}

/** `client` pulls what it lacks from `server` through the sync protocol (every round). */
async function sync (client: Member, server: Member): Promise<number> {
  let total = 0
  for (let round = 0; round < 20; round++) {
    const [outbound, inbound] = await streamPair()
    const c = frameStream(outbound, { maxFrameBytes: MAX_SYNC_FRAME_BYTES })
    const s = frameStream(inbound, { maxFrameBytes: MAX_SYNC_FRAME_BYTES })
    const served = serveHistory(s, async (topic) => topic === server.room.topic ? server.room : undefined)
    const { received, more } = await requestHistory(c, client.room, new Uint8Array(32), async (envelopes) => {
      for (const envelope of envelopes) await client.room.ingest(envelope, false)
    })
    await served
    total += received
    if (!more) break
  }
  return total
}

/** An envelope `member` seals with its own key: what a member running other software can send. */
async function forge (member: Member, invite: RoomInvite, payload: Payload, hlc = { wall: Date.now(), counter: 0 }): Promise<Uint8Array> {
  return encodeEnvelope(await sealEnvelope({ keys: await deriveRoomKeys(invite.key), topic: roomTopic(invite.roomId), privateKey: member.privateKey, author: member.peerId, hlc, payload }))
}

/** What members see of a message, whoever they are. */
function shown (m: ChatMessage) {
  return { id: m.id, author: m.author, text: m.text, file: m.file, replyTo: m.replyTo, edited: m.edited, deleted: m.deleted, reactions: m.reactions, hlc: m.hlc }
}

function drops (room: Room): DropReason[] {
  const seen: DropReason[] = []
  room.addEventListener('message:dropped', evt => { seen.push(evt.detail.reason) })
  return seen
}

afterEach(() => { vi.useRealTimers() })

describe('room names', () => {
  it('are set by any member; concurrent renames end in the latest by clock at every member, whatever order they arrive in, and reach late joiners by sync', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ who: fc.integer({ min: 0, max: 2 }), name: fc.string({ maxLength: 70 }), deliver: fc.boolean() }), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      async (renames, reverse) => {
        const net = await network(['Ann', 'Bob', 'Cid'])
        for (const { who, name, deliver } of renames) {
          await (net.members[who] as Member).room.rename(name)
          if (deliver) await net.deliver()
        }
        await net.deliver(undefined, frames => reverse ? frames.reverse() : frames)
        const names = net.members.map(m => m.room.name)
        expect(new Set(names).size).toBe(1)
        const late = await net.join('Dan')
        await sync(late, net.members[0] as Member)
        expect(late.room.name).toBe(names[0])
        // what a late joiner holds, the member it synced from holds too: another round brings nothing
        expect(await sync(late, net.members[1] as Member)).toBe(0)
      }
    ), { numRuns: 15 })
  })

  it('are trimmed, cut to 64 characters, said once per change, and kept across a reload', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const renamed: Array<{ name: string, by: string }> = []
    b.room.addEventListener('room:renamed', evt => { renamed.push(evt.detail) })
    await a.room.rename(`  ${'x'.repeat(80)}  `)
    await a.room.rename('x'.repeat(64)) // the same name: nothing sent
    await net.deliver()
    expect(b.room.name).toBe('x'.repeat(64))
    expect(renamed).toEqual([{ name: 'x'.repeat(64), by: a.peerId }])
    expect(await a.published()).toBe(1)

    const reloaded = new Room({ pubsub: { publish: async () => ({ recipients: [] }) }, privateKey: b.privateKey, peerId: b.peerId, clock: new HybridClock(), store: b.store, profile: { name: () => 'Bob', away: () => false }, onMemberSeen: () => {} },
      net.invite, b.room.keys, await b.store.messages(b.room.roomId))
    expect(reloaded.name).toBe('x'.repeat(64))
  })

  it('are listed by Rooms, which says when one changes', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const store = new MemoryRoomStore()
    const rooms = await startRooms(store, privateKey)
    const room = await rooms.create()
    const changed = new Promise(resolve => { rooms.addEventListener('rooms:changed', resolve, { once: true }) })
    await room.rename('Book club')
    await changed
    expect(rooms.list()).toEqual([expect.objectContaining({ roomId: room.roomId, name: 'Book club' })])
    await rooms.stop()
  })
})

describe('replies', () => {
  it('name the message they answer, which members see; a reply to a message not held is refused', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const question = await a.room.send('lunch?')
    await net.deliver()
    const answer = await b.room.send('yes', undefined, { replyTo: question.id })
    await net.deliver()
    expect(a.room.messages().find(m => m.id === answer.id)).toMatchObject({ text: 'yes', replyTo: question.id })
    await expect(b.room.send('to nothing', undefined, { replyTo: 'ab'.repeat(32) })).rejects.toThrow(MessageNotFoundError)
  })
})

describe('reactions', () => {
  it('count per emoji with who reacted, toggle off, and settle by clock whatever order they arrive in', async () => {
    const net = await network(['Ann', 'Bob', 'Cid'])
    const [a, b, c] = net.members as [Member, Member, Member]
    const m = await a.room.send('pizza tonight')
    await net.deliver()
    await b.room.react(m.id, '👍')
    await c.room.react(m.id, '👍')
    await b.room.react(m.id, '❤️')
    await b.room.react(m.id, '👍') // already stands: nothing sent
    await net.deliver()
    // Bob's and Cid's 👍 are ordered by their own clocks, which may read the same millisecond
    const seen = a.room.messages()[0]?.reactions
    expect(Object.keys(seen ?? {})).toEqual(['👍', '❤️'])
    expect(seen?.['👍']).toHaveLength(2)
    expect(seen?.['👍']).toEqual(expect.arrayContaining([b.peerId, c.peerId]))
    expect(seen?.['❤️']).toEqual([b.peerId])

    // Bob withdraws his 👍; Ann gets the withdrawal before the others' reactions
    await b.room.react(m.id, '👍', true)
    await net.deliver(a, frames => frames.reverse())
    await net.deliver()
    for (const member of net.members) expect(member.room.messages()[0]?.reactions).toEqual({ '👍': [c.peerId], '❤️': [b.peerId] })
    expect(await b.published()).toBe(3)

    await expect(b.room.react(m.id, '🍕')).rejects.toThrow(UnknownReactionError)
    await expect(b.room.react('cd'.repeat(32), '👍')).rejects.toThrow(MessageNotFoundError)
  })

  it('with an emoji outside the set are malformed', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const m = await a.room.send('hi')
    const dropped = drops(a.room)
    await a.room.receive(await forge(b, net.invite, { k: 'reaction', target: m.id, emoji: '🍕' }))
    expect(dropped).toEqual(['malformed'])
    expect(a.room.messages()[0]?.reactions).toBeUndefined()
  })
})

describe('edits and deletions', () => {
  it('by the author: members see the latest edit marked edited, then a tombstone whose text, file and edits are gone from every store', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const file = { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', key: 'A'.repeat(43), name: 'a.txt', size: 3, type: 'text/plain' }
    const m = await a.room.send('secret plan v1', file)
    await net.deliver()
    await a.room.edit(m.id, 'secret plan v2')
    await a.room.edit(m.id, 'secret plan v3')
    // Bob gets the edits in reverse order: the latest by clock wins
    await net.deliver(b, frames => frames.reverse())
    expect(b.room.messages()[0]).toMatchObject({ text: 'secret plan v3', edited: true, file })
    await b.room.react(m.id, '😮')
    await net.deliver()

    await a.room.delete(m.id)
    await net.deliver()
    for (const member of [a, b]) {
      const [tomb] = member.room.messages()
      expect(tomb).toMatchObject({ id: m.id, author: a.peerId, text: '', deleted: true })
      expect(tomb?.file).toBeUndefined()
      expect(tomb?.reactions).toBeUndefined()
      const stored = await member.store.messages(member.room.roomId)
      // the message is kept without its envelope; its edits are gone; what remains is the reaction and the deletion
      expect(stored.find(r => r.id === m.id)).toMatchObject({ id: m.id, message: { deleted: true, text: '' } })
      expect(stored.find(r => r.id === m.id)?.envelope).toBeUndefined()
      expect(stored.filter(isAction).map(r => r.action.k).sort()).toEqual(['delete', 'reaction'])
      // and no stored envelope decrypts to its text
      expect(JSON.stringify(stored)).not.toContain('secret plan')
    }
    // a deleted message cannot be edited, reacted to, answered or deleted again
    await expect(a.room.edit(m.id, 'v4')).rejects.toThrow(MessageNotFoundError)
    await expect(a.room.delete(m.id)).rejects.toThrow(MessageNotFoundError)
    await expect(b.room.react(m.id, '👍')).rejects.toThrow(MessageNotFoundError)
    await expect(b.room.send('re', undefined, { replyTo: m.id })).rejects.toThrow(MessageNotFoundError)
    // both members hold the same servable history
    expect(a.room.log.summary()).toEqual(b.room.log.summary())
  })

  it('refuse another member\'s message through the API', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const m = await a.room.send('mine')
    await net.deliver()
    await expect(b.room.edit(m.id, 'yours now')).rejects.toThrow(NotAuthorError)
    await expect(b.room.delete(m.id)).rejects.toThrow(NotAuthorError)
    await expect(a.room.edit(m.id, '   ')).rejects.toThrow(EmptyMessageError)
    expect(await b.published()).toBe(0)
  })

  it('forged by another member are dropped as not-author, never shown nor kept, whether they arrive after the message or before it', async () => {
    const net = await network(['Ann', 'Bob', 'Mallory'])
    const [a, b, mallory] = net.members as [Member, Member, Member]
    const m = await a.room.send('the original')
    const editFrame = await forge(mallory, net.invite, { k: 'edit', target: m.id, text: 'forged text' })
    const deleteFrame = await forge(mallory, net.invite, { k: 'delete', target: m.id, hlc: m.hlc })

    // tried: Bob holds the message, then Mallory's edit and deletion arrive
    await net.deliver(b)
    const bobDrops = drops(b.room)
    await b.room.receive(editFrame)
    await b.room.receive(deleteFrame)
    expect(bobDrops).toEqual(['not-author', 'not-author'])
    expect(b.room.dropped['not-author']).toBe(2)
    expect(b.room.messages().map(shown)).toEqual([shown({ ...m, status: 'received', own: false })])
    expect((await b.store.messages(b.room.roomId)).filter(isAction)).toEqual([])

    // tried: late joiners get Mallory's edit (Cid) or deletion (Dan) before the message (from Mallory, say)
    for (const [name, frame] of [['Cid', editFrame], ['Dan', deleteFrame]] as const) {
      const late = await net.join(name)
      const lateDrops = drops(late.room)
      await late.room.receive(frame)
      // until the message arrives, a deletion shows a tombstone of Mallory's, never Ann's; an edit shows nothing
      expect(late.room.messages()).toEqual(frame === deleteFrame ? [expect.objectContaining({ id: m.id, author: mallory.peerId, deleted: true })] : [])
      // Bob serves Ann's message: it was not Mallory's to edit or delete
      await sync(late, b)
      expect(lateDrops).toEqual(['not-author'])
      expect(late.room.messages().map(shown)).toEqual([shown(m)])
      expect((await late.store.messages(late.room.roomId)).filter(isAction)).toEqual([])
      expect(late.room.log.summary()).toEqual(b.room.log.summary())
    }
  })

  it('by the author reach late joiners by sync, also from a member that never held the message', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const kept = await a.room.send('kept')
    const gone = await a.room.send('gone')
    const goneEnvelope = a.room.log.get(gone.id)?.envelope as Envelope
    await a.room.edit(kept.id, 'kept, edited')
    await a.room.delete(gone.id)
    // Bob only ever gets the deletion: he shows its tombstone where the message was
    const frames = a.room.log.all().filter(r => isAction(r) && r.action.k === 'delete').map(r => encodeEnvelope(r.envelope as Envelope))
    for (const frame of frames) await b.room.receive(frame)
    expect(b.room.messages()).toEqual([expect.objectContaining({ id: gone.id, author: a.peerId, deleted: true, hlc: gone.hlc })])

    const late = await net.join('Cid')
    await sync(late, a)
    expect(late.room.messages().map(shown)).toEqual(a.room.messages().map(shown))
    expect(late.room.messages().map(m => [m.text, m.edited === true, m.deleted === true])).toEqual([['kept, edited', true, false], ['', false, true]])
    // and when the deleted message turns up from a member that missed the deletion, only its tombstone is kept
    expect(await b.room.ingest(goneEnvelope, false)).toBe(true)
    expect((await b.store.messages(b.room.roomId)).find(r => r.id === gone.id)).toEqual({ id: gone.id, message: expect.objectContaining({ text: '', deleted: true }) })
    await sync(b, a)
    expect(b.room.messages().map(shown)).toEqual(a.room.messages().map(shown))
  })

  it('edits of a message not held yet wait for it and apply when it comes', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const m = await a.room.send('first draft')
    await a.room.edit(m.id, 'final')
    await net.deliver(b, frames => frames.reverse())
    expect(b.room.messages()).toEqual([expect.objectContaining({ id: m.id, text: 'final', edited: true })])
  })
})

describe('typing', () => {
  it('is said at most once per interval, shown until it expires or the message arrives, never stored nor taken from sync', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const changes: string[][] = []
    a.room.addEventListener('typing:changed', evt => { changes.push(evt.detail) })

    await b.room.typing()
    await b.room.typing()
    expect(await b.published()).toBe(1)
    await net.deliver()
    expect(a.room.typingMembers()).toEqual([b.peerId])
    vi.advanceTimersByTime(TYPING_TIMEOUT_MS + 1)
    expect(a.room.typingMembers()).toEqual([])
    expect(changes).toEqual([[b.peerId], []])

    vi.advanceTimersByTime(TYPING_INTERVAL_MS)
    await b.room.typing()
    await net.deliver()
    expect(a.room.typingMembers()).toEqual([b.peerId])
    await b.room.send('done typing')
    await net.deliver()
    expect(a.room.typingMembers()).toEqual([])
    expect((await a.store.messages(a.room.roomId)).map(r => isAction(r) ? r.action.k : r.message.text)).toEqual(['done typing'])

    // a typing notice served by sync says nothing
    const notice = decodeEnvelope(await forge(b, net.invite, { k: 'typing' }))
    expect(await a.room.ingest(notice, false)).toBe(false)
    expect(a.room.typingMembers()).toEqual([])
  })
})

/** A PNG thumbnail of `bytes` bytes (a 320 × 240 header, then padding: core reads the header, not the picture). */
function png (bytes: number): Uint8Array {
  return thumbnail('image/png', 320, 240, bytes)
}

const PHOTO: FileAttachment = { cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', key: 'A'.repeat(43), name: 'photo.png', size: 3_000_000, type: 'image/png' }
const PREVIEW: FilePreview = { thumbnail: png(20_000), type: 'image/png', width: 4000, height: 3000 }

describe('file previews', () => {
  it('travel with the message to members now and by sync to late joiners, the full file\'s size and a video\'s length with them', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    // a thumbnail of each allowed type, at the largest side allowed
    for (const type of ['image/jpeg', 'image/webp'] as const) {
      await a.room.send('', { ...PHOTO, cid: PHOTO.cid, preview: { ...PREVIEW, type, thumbnail: thumbnail(type, MAX_THUMBNAIL_SIDE, MAX_THUMBNAIL_SIDE) } })
    }
    const clip: FilePreview = { thumbnail: thumbnail('image/webp', 320, 180), type: 'image/webp', width: 1920, height: 1080, durationMs: 12_345 }
    const sent = await a.room.send('', { ...PHOTO, preview: PREVIEW })
    await a.room.send('the clip', { ...PHOTO, cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', name: 'clip.webm', type: 'video/webm', preview: clip })
    expect(sent.file?.preview).toEqual(PREVIEW)
    await net.deliver()
    expect(b.room.messages().map(m => m.file?.preview?.type)).toEqual(['image/jpeg', 'image/webp', 'image/png', 'image/webp'])
    expect(b.room.messages().slice(2).map(m => m.file?.preview)).toEqual([PREVIEW, clip])
    const late = await net.join('Cid')
    await sync(late, a)
    expect(late.room.messages().slice(2).map(m => m.file?.preview)).toEqual([PREVIEW, clip])
  })

  it('a preview a hostile member forges (too large, not an allowed type, bytes not of its type, absurd sizes, a thumbnail declaring a huge picture) is left out with its reason; the message and its file stay', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const forged: Array<[PreviewRejection, FilePreview]> = [
      ['oversized', { ...PREVIEW, thumbnail: png(MAX_THUMBNAIL_BYTES + 1) }],
      ['bad-type', { ...PREVIEW, type: 'image/svg+xml', thumbnail: new TextEncoder().encode('<svg onload="alert(1)"/>') }],
      ['bad-type', { ...PREVIEW, type: 'image/jpeg' }],
      ['bad-dimensions', { ...PREVIEW, width: 0 }],
      ['bad-dimensions', { ...PREVIEW, height: 70_000 }],
      // a small file whose header declares a huge picture (it would decode to gigabytes)
      ['bad-dimensions', { ...PREVIEW, thumbnail: thumbnail('image/png', 40_000, 40_000, 1_000) }],
      ['bad-dimensions', { ...PREVIEW, type: 'image/webp', thumbnail: thumbnail('image/webp', 320, 16_000) }],
      ['bad-type', { ...PREVIEW, type: 'image/jpeg', thumbnail: new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2, 1, 2, 3]) }]
    ]
    const seen: PreviewRejection[] = []
    b.room.addEventListener('preview:dropped', evt => { seen.push(evt.detail.reason) })
    const dropped = drops(b.room)
    for (const [i, [, preview]] of forged.entries()) {
      await b.room.receive(await forge(a, net.invite, { k: 'chat', text: `forged ${i}`, name: 'Ann', file: { ...PHOTO, preview } }))
    }
    expect(seen).toEqual(forged.map(([reason]) => reason))
    expect(b.room.previewsDropped).toEqual({ oversized: 1, 'bad-type': 3, 'bad-dimensions': 4 })
    expect(dropped).toEqual([])
    expect(b.room.messages().map(m => [m.text, m.file])).toEqual(forged.map((_, i) => [`forged ${i}`, PHOTO]))
  })

  it('a preview breaking a limit is refused when sending, by reason; one that would make the message too large is left out', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    await expect(a.room.send('', { ...PHOTO, preview: { ...PREVIEW, thumbnail: png(MAX_THUMBNAIL_BYTES + 1) } })).rejects.toMatchObject({ name: InvalidPreviewError.name, reason: 'oversized' })
    await expect(a.room.send('', { ...PHOTO, preview: { ...PREVIEW, type: 'image/gif' } })).rejects.toMatchObject({ name: InvalidPreviewError.name, reason: 'bad-type' })
    expect(a.room.messages()).toEqual([])
    // the largest text and the largest thumbnail do not fit in one envelope
    const text = 'x'.repeat(MAX_TEXT_BYTES)
    expect(MAX_TEXT_BYTES + MAX_THUMBNAIL_BYTES).toBeGreaterThan(MAX_ENVELOPE_BYTES)
    const sent = await a.room.send(text, { ...PHOTO, preview: { ...PREVIEW, thumbnail: png(MAX_THUMBNAIL_BYTES) } })
    expect(sent.file).toEqual(PHOTO)
    await net.deliver()
    expect(b.room.messages().map(m => [m.text, m.file])).toEqual([[text, PHOTO]])
  })

  it('a message with a preview is stored whole, and a deletion forgets the preview with the file', async () => {
    const net = await network(['Ann', 'Bob'])
    const [a, b] = net.members as [Member, Member]
    const sent = await a.room.send('', { ...PHOTO, preview: PREVIEW })
    await net.deliver()
    const stored = await b.store.messages(b.room.roomId)
    expect(stored.map(r => isAction(r) ? undefined : r.message.file?.preview)).toEqual([PREVIEW])
    await a.room.delete(sent.id)
    await net.deliver()
    expect(b.room.messages().map(m => [m.deleted, m.file])).toEqual([[true, undefined]])
  })
})

describe('leaving a room', () => {
  it('forgets its key, history and place in the list; a restart does not bring it back', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const store = new MemoryRoomStore()
    const rooms = await startRooms(store, privateKey)
    const room = await rooms.create()
    await room.send('hello')
    await room.rename('Gone soon')
    await rooms.leave(room.roomId)
    expect(rooms.list()).toEqual([])
    expect(await store.rooms()).toEqual([])
    expect(await store.messages(room.roomId)).toEqual([])
    await rooms.stop()
    const again = await startRooms(store, privateKey)
    expect(again.list()).toEqual([])
    await again.stop()
  })
})
