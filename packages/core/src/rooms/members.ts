import { OFFLINE_AFTER_MS, TYPING_TIMEOUT_MS } from './constants.js'
import { compareHlc } from './hlc.js'
import type { Hlc, Member, MemberState } from './types.js'

export interface RoomMembersInit {
  /** This device's wall clock, ms. */
  now(): number
  /** A member joined, left, was renamed, went away or offline, or joined or left the call. */
  onChange(): void
  /** The members typing changed. */
  onTyping(typing: string[]): void
  /** A member not seen before, or back from offline. */
  onReturn(peerId: string): void
}

/**
 * The other members of a room as this device sees them: who they are, whether
 * they are here (from their presences and any message: offline after
 * OFFLINE_AFTER_MS of silence), whether they are in the call, and who is
 * typing (for TYPING_TIMEOUT_MS after each sign).
 */
export class RoomMembers {
  private readonly members = new Map<string, Member>()
  /** Clock of each member's latest presence: gossip may deliver an older one late. */
  private readonly presenceAt = new Map<string, Hlc>()
  /** Members typing, each with the timer that ends it. */
  private readonly typing = new Map<string, ReturnType<typeof setTimeout>>()

  constructor (private readonly init: RoomMembersInit) {}

  /** The other members (copies). */
  list (): Member[] {
    return [...this.members.values()].map(m => ({ ...m }))
  }

  /** The members typing now (PeerIds). */
  typingMembers (): string[] {
    return [...this.typing.keys()]
  }

  /**
   * Notes the clock of a member's presence. False when it is not newer than
   * one already applied: it says nothing new and must not undo that one.
   */
  newerPresence (peerId: string, hlc: Hlc): boolean {
    const latest = this.presenceAt.get(peerId)
    if (latest != null && compareHlc(hlc, latest) <= 0) return false
    this.presenceAt.set(peerId, hlc)
    return true
  }

  /** A sign of life from a member: any message, or a presence (which also says whether it is in the call). */
  seen (peerId: string, name: string | undefined, presence: { state: MemberState, call?: boolean } | undefined): void {
    const member = this.members.get(peerId)
    const returning = member == null || member.state === 'offline'
    const state = presence?.state ?? (member?.state === 'away' ? 'away' : 'online')
    const inCall = state !== 'offline' && (presence != null ? presence.call === true : member?.inCall === true)
    // lastSeen is when we received it, by our clock: the sender's clock may be off
    const next: Member = { peerId, name: name ?? member?.name ?? '', state, lastSeen: this.init.now(), self: false, inCall }
    if (state === 'offline') next.lastSeen = member?.lastSeen ?? this.init.now()
    this.members.set(peerId, next)
    if (state === 'offline') this.stopTyping(peerId)
    if (member == null || member.name !== next.name || member.state !== next.state || member.inCall !== next.inCall) this.init.onChange()
    if (returning && next.state !== 'offline') this.init.onReturn(peerId)
  }

  /** Marks members silent for too long as offline. */
  expire (now: number): void {
    let changed = false
    for (const member of this.members.values()) {
      if (member.state !== 'offline' && now - member.lastSeen > OFFLINE_AFTER_MS) {
        member.state = 'offline'
        member.inCall = false
        changed = true
      }
    }
    if (changed) this.init.onChange()
  }

  /** A member is typing: until TYPING_TIMEOUT_MS pass without another sign, or it sends its message. */
  startTyping (peerId: string): void {
    const known = this.typing.has(peerId)
    clearTimeout(this.typing.get(peerId))
    this.typing.set(peerId, setTimeout(() => { this.stopTyping(peerId) }, TYPING_TIMEOUT_MS))
    if (!known) this.init.onTyping(this.typingMembers())
  }

  stopTyping (peerId: string): void {
    const timer = this.typing.get(peerId)
    if (timer == null) return
    clearTimeout(timer)
    this.typing.delete(peerId)
    this.init.onTyping(this.typingMembers())
  }

  /** Stops the typing timers. */
  stop (): void {
    for (const timer of this.typing.values()) clearTimeout(timer)
    this.typing.clear()
  }
}
