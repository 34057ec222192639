import type { History } from './history.js'
import { isAction, type StoredAction, type StoredMessage, type StoredRecord } from './store.js'
import type { ChatMessage, DropReason } from './types.js'

export interface HistoryWriterComponents {
  history: History
  /** Keeps records (nothing once the room is left). */
  persist(records: StoredRecord[]): Promise<void>
  /** Forgets kept records (nothing once the room is left). */
  forget(ids: string[]): Promise<void>
  /** Counts a refused record and says so. */
  drop(reason: Extract<DropReason, 'malformed' | 'not-author'>, from: string): void
  /** Says a message was added or changed (by its id). */
  emitMessage(type: 'message:added' | 'message:updated', id: string): void
  onRenamed(naming: { name: string, by: string }): void
}

/**
 * Adds chat messages and the actions on them (reactions, edits, deletions,
 * naming) to a room's history by the room's rules, in whatever order they
 * arrive, keeps them, and says what changed: only a message's author edits
 * or deletes it; a deletion forgets the message's text, file and edits and
 * leaves a tombstone.
 */
export class HistoryWriter {
  constructor (private readonly components: HistoryWriterComponents) {}

  /** Adds a record not held yet, keeps it and says so. */
  async add (stored: StoredMessage): Promise<void> {
    const { history, persist, emitMessage } = this.components
    if (!history.add(stored)) return
    await persist([stored])
    emitMessage('message:added', stored.id)
  }

  /**
   * Adds a chat message from a member (or one of ours from another device):
   * edits and deletions of it that came first from anyone but its author are
   * refused now; a deletion by its author that came first leaves only its
   * tombstone.
   */
  async addChat (stored: StoredMessage): Promise<void> {
    const { history } = this.components
    const { id, message } = stored
    for (const a of history.actionsOn(id)) {
      if ((a.action.k === 'edit' || a.action.k === 'delete') && a.envelope.author !== message.author) await this.refuse(a)
    }
    const deleted = history.actionsOn(id).some(a => a.action.k === 'delete')
    if (!deleted) return this.add(stored)
    const tombstone: ChatMessage = { ...message, text: '', deleted: true }
    delete tombstone.file
    await this.add({ id, message: tombstone })
    await this.forgetEdits(id, message.author)
  }

  /**
   * Applies a reaction, edit, deletion or naming (ours or a member's) and
   * keeps it. Edits and deletions of another author's message are refused
   * (`not-author`); those naming a message not held yet are kept and judged
   * when it arrives. Edits of a deleted message are moot and not kept.
   *
   * @returns whether it was kept
   */
  async apply (record: StoredAction): Promise<boolean> {
    const { history, persist, drop, emitMessage } = this.components
    const { action, envelope } = record
    if (action.k === 'room-name') {
      const before = history.roomName()
      if (!history.add(record)) return false
      await persist([record])
      const after = history.roomName()
      if (after != null && after.id !== before?.id && after.name !== (before?.name ?? '')) {
        this.components.onRenamed({ name: after.name, by: after.by })
      }
      return true
    }
    const target = history.get(action.target)
    if (target != null && isAction(target)) {
      drop('malformed', envelope.author)
      return false
    }
    if (target != null && (action.k === 'edit' || action.k === 'delete') && target.message.author !== envelope.author) {
      drop('not-author', envelope.author)
      return false
    }
    if (target?.message.deleted === true && action.k === 'edit') return false
    if (!history.add(record)) return false
    await persist([record])
    if (action.k === 'delete') {
      if (target != null) await this.redact(target)
      await this.forgetEdits(action.target, envelope.author)
      // a deletion of a message never held shows as its tombstone
      if (target == null) emitMessage('message:added', action.target)
    }
    if (target != null) emitMessage('message:updated', target.id)
    return true
  }

  /** A deleted message: its envelope, text and file are forgotten, its id, author and clock stay. */
  private async redact (stored: StoredMessage): Promise<void> {
    if (stored.message.deleted === true) return
    delete stored.envelope
    delete stored.message.file
    stored.message.text = ''
    stored.message.deleted = true
    await this.components.persist([stored])
  }

  /**
   * Forgets the edits of a deleted message by its author (their envelopes
   * hold its text); those of others are refused when the message comes.
   */
  private async forgetEdits (target: string, author: string): Promise<void> {
    const { history, forget } = this.components
    const edits = history.actionsOn(target).filter(a => a.action.k === 'edit' && a.envelope.author === author)
    if (edits.length === 0) return
    for (const e of edits) history.removeAction(e.id)
    await forget(edits.map(e => e.id))
  }

  /** An edit or deletion whose message turned out to be another member's. */
  private async refuse (record: StoredAction): Promise<void> {
    this.components.history.removeAction(record.id)
    await this.components.forget([record.id])
    this.components.drop('not-author', record.envelope.author)
    if (record.action.k === 'delete') this.components.emitMessage('message:updated', record.action.target)
  }
}
