import type { Envelope } from './envelope.js'
import type { RoomAction } from './payload.js'
import type { ChatMessage } from './types.js'

/** A chat message as kept: the signed envelope (served to other members) and its decrypted form. */
export interface StoredMessage {
  id: string
  /**
   * The signed envelope, served to other members. Gone once the author
   * deleted the message (`message.deleted`): then its text and file are gone
   * too, and only the id, author and clock remain.
   */
  envelope?: Envelope
  message: ChatMessage
}

/** A reaction, edit, deletion or room name as kept: the signed envelope (served to other members) and what it says. */
export interface StoredAction {
  id: string
  envelope: Envelope
  action: RoomAction
  /** Ours, and not yet published to any peer. */
  pending?: boolean
}

/** What a room keeps of one envelope. */
export type StoredRecord = StoredMessage | StoredAction

export function isAction (record: StoredRecord): record is StoredAction {
  return 'action' in record
}

/** A room this device joined, with its key. */
export interface JoinedRoom {
  roomId: string
  key: Uint8Array
  joinedAt: number
  /** This device created the room (so its key is the room's). */
  created?: boolean
}

/**
 * Where rooms keep their state: browsers use {@link IdbRoomStore}, tests and
 * Node tools {@link MemoryRoomStore}.
 */
export interface RoomStore {
  rooms(): Promise<JoinedRoom[]>
  addRoom(room: JoinedRoom): Promise<void>
  /** Forgets a room and its messages. */
  removeRoom(roomId: string): Promise<void>
  messages(roomId: string): Promise<StoredRecord[]>
  /** Inserts or replaces records by id. */
  putMessages(roomId: string, messages: StoredRecord[]): Promise<void>
  /** Forgets records by id (stored ones that no longer load, edits of deleted messages, rejected actions). */
  removeMessages(roomId: string, ids: string[]): Promise<void>
  getSetting(name: string): Promise<string | undefined>
  setSetting(name: string, value: string): Promise<void>
}

export class MemoryRoomStore implements RoomStore {
  private readonly joined = new Map<string, JoinedRoom>()
  private readonly byRoom = new Map<string, Map<string, StoredRecord>>()
  private readonly settings = new Map<string, string>()

  async rooms (): Promise<JoinedRoom[]> {
    return [...this.joined.values()]
  }

  async addRoom (room: JoinedRoom): Promise<void> {
    this.joined.set(room.roomId, room)
  }

  async removeRoom (roomId: string): Promise<void> {
    this.joined.delete(roomId)
    this.byRoom.delete(roomId)
  }

  async messages (roomId: string): Promise<StoredRecord[]> {
    return [...(this.byRoom.get(roomId)?.values() ?? [])].map(m => structuredClone(m))
  }

  async putMessages (roomId: string, messages: StoredRecord[]): Promise<void> {
    const map = this.byRoom.get(roomId) ?? new Map<string, StoredRecord>()
    for (const m of messages) map.set(m.id, structuredClone(m))
    this.byRoom.set(roomId, map)
  }

  async removeMessages (roomId: string, ids: string[]): Promise<void> {
    const map = this.byRoom.get(roomId)
    for (const id of ids) map?.delete(id)
  }

  async getSetting (name: string): Promise<string | undefined> {
    return this.settings.get(name)
  }

  async setSetting (name: string, value: string): Promise<void> {
    this.settings.set(name, value)
  }
}
