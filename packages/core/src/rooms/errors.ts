import type { PreviewRejection } from './types.js'

/** A room link is malformed: wrong shape, bad id or a key of the wrong size. */
export class InvalidRoomLinkError extends Error {
  override readonly name = 'InvalidRoomLinkError'
}

/** A message is empty. */
export class EmptyMessageError extends Error {
  override readonly name = 'EmptyMessageError'
}

/** A message's text is larger than MAX_TEXT_BYTES. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError'
}

/** A frame from the network is not a valid envelope or sync frame. */
export class MalformedFrameError extends Error {
  override readonly name = 'MalformedFrameError'
}

/** A frame from the network is larger than allowed. */
export class OversizedFrameError extends Error {
  override readonly name = 'OversizedFrameError'
}

/** An envelope's signature does not match its author. */
export class BadSignatureError extends Error {
  override readonly name = 'BadSignatureError'
}

/** An envelope does not decrypt with the room key (wrong key or tampered). */
export class UndecryptableError extends Error {
  override readonly name = 'UndecryptableError'
}

/** A sync peer refused the request or broke the protocol. */
export class SyncError extends Error {
  override readonly name: string = 'SyncError'
}

/** A sync peer did not answer in time. */
export class SyncTimeoutError extends SyncError {
  override readonly name = 'SyncTimeoutError'
}

/** A sync peer refused our membership proof: its room key is not ours. */
export class SyncRefusedError extends SyncError {
  override readonly name = 'SyncRefusedError'
}

/** This device has not joined the room (or left it). */
export class RoomNotFoundError extends Error {
  override readonly name = 'RoomNotFoundError'
}

/** A message this device does not hold (or holds deleted) was named as the one to answer, edit, delete or react to. */
export class MessageNotFoundError extends Error {
  override readonly name = 'MessageNotFoundError'
}

/** Only a message's author may edit or delete it. */
export class NotAuthorError extends Error {
  override readonly name = 'NotAuthorError'
}

/** A reaction with an emoji outside the room's set (REACTION_EMOJI). */
export class UnknownReactionError extends Error {
  override readonly name = 'UnknownReactionError'
}

/** A file preview given to send breaks a limit (see `checkPreview`): `reason` says which. */
export class InvalidPreviewError extends Error {
  override readonly name = 'InvalidPreviewError'
  constructor (readonly reason: PreviewRejection) {
    super(`the file preview was refused (${reason})`)
  }
}
