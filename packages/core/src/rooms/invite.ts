import { sha256 } from '@noble/hashes/sha2.js'
import { ROOM_TOPIC_PREFIX } from './constants.js'
import { fromBase64url, toBase64url, toHex, utf8 } from './encoding.js'
import { InvalidRoomLinkError } from './errors.js'
import type { RoomInvite } from './types.js'

const ROOM_ID_BYTES = 16
const ROOM_KEY_BYTES = 32

/** A new room: a random 128-bit id and a random 256-bit key. */
export function createRoomInvite (): RoomInvite {
  return {
    roomId: toBase64url(crypto.getRandomValues(new Uint8Array(ROOM_ID_BYTES))),
    key: crypto.getRandomValues(new Uint8Array(ROOM_KEY_BYTES))
  }
}

/** `<appUrl>#/r/<roomId>/<key>`: the key is in the fragment, which browsers never send to a server. */
export function roomLink (appUrl: string, invite: RoomInvite): string {
  const base = appUrl.split('#')[0]
  return `${base}#/r/${invite.roomId}/${toBase64url(invite.key)}`
}

/**
 * Reads a room link, its fragment, or the `/r/<id>/<key>` path of one.
 *
 * @throws {InvalidRoomLinkError} saying what is wrong
 */
export function parseRoomLink (input: string): RoomInvite {
  const text = input.trim()
  const fragment = text.includes('#') ? text.slice(text.indexOf('#') + 1) : text
  const match = /^\/?r\/([^/]*)\/([^/?#]*)\/?$/.exec(fragment)
  if (match == null) {
    throw new InvalidRoomLinkError('Invalid room link: expected …#/r/<room id>/<key>')
  }
  const [, roomId = '', keyText = ''] = match
  const id = fromBase64url(roomId)
  if (id?.length !== ROOM_ID_BYTES) {
    throw new InvalidRoomLinkError('Invalid room link: the room id is not valid')
  }
  const key = fromBase64url(keyText)
  if (key?.length !== ROOM_KEY_BYTES) {
    throw new InvalidRoomLinkError('Invalid room link: the key is not a 256-bit base64url key')
  }
  return { roomId, key }
}

/**
 * The gossipsub topic of a room: a hash of its id, so that relays and other
 * non-members never learn the id (nor, from it, the link).
 */
export function roomTopic (roomId: string): string {
  return ROOM_TOPIC_PREFIX + toHex(sha256(utf8.encode(`peerlink/room-topic/v1/${roomId}`)))
}
