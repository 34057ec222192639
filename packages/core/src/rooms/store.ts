import type { Envelope } from './envelope.js'
import type { ChatMessage } from './types.js'

/** A chat message as kept: the signed envelope (served to other members) and its decrypted form. */
export interface StoredMessage {
  id: string
  envelope: Envelope
  message: ChatMessage
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
  messages(roomId: string): Promise<StoredMessage[]>
  /** Inserts or replaces messages by id. */
  putMessages(roomId: string, messages: StoredMessage[]): Promise<void>
  /** Forgets messages by id (stored ones that no longer load). */
  removeMessages(roomId: string, ids: string[]): Promise<void>
  getSetting(name: string): Promise<string | undefined>
  setSetting(name: string, value: string): Promise<void>
}

export class MemoryRoomStore implements RoomStore {
  private readonly joined = new Map<string, JoinedRoom>()
  private readonly byRoom = new Map<string, Map<string, StoredMessage>>()
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

  async messages (roomId: string): Promise<StoredMessage[]> {
    return [...(this.byRoom.get(roomId)?.values() ?? [])].map(m => structuredClone(m))
  }

  async putMessages (roomId: string, messages: StoredMessage[]): Promise<void> {
    const map = this.byRoom.get(roomId) ?? new Map<string, StoredMessage>()
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
