/**
 * Direct-message errors: one class per condition, each with a stable `name`.
 */

/** A message text, or a frame on the wire, is larger than allowed. */
export class DmTooLargeError extends Error {
  override readonly name = 'DmTooLargeError'
}

/** A message text is empty. */
export class DmEmptyError extends Error {
  override readonly name = 'DmEmptyError'
}

/** A frame or sealed message is not well formed (bad JSON, fields, lengths or encoding). */
export class DmMalformedError extends Error {
  override readonly name = 'DmMalformedError'
}

/** A sealed message is addressed to another peer. */
export class DmWrongRecipientError extends Error {
  override readonly name = 'DmWrongRecipientError'
}

/**
 * A sealed message names a sender other than the peer it came from (the
 * Noise-authenticated remote peer of the stream).
 */
export class DmSenderMismatchError extends Error {
  override readonly name = 'DmSenderMismatchError'
}

/** A sealed message's signature does not verify against its sender's key. */
export class DmSignatureError extends Error {
  override readonly name = 'DmSignatureError'
}

/** A sealed message's content cannot be decrypted (tampered, or sealed to another key). */
export class DmDecryptError extends Error {
  override readonly name = 'DmDecryptError'
}

/** The peer answered something other than the expected ack. */
export class DmProtocolError extends Error {
  override readonly name = 'DmProtocolError'
}

/** The peer did not answer in time. */
export class DmTimeoutError extends Error {
  override readonly name = 'DmTimeoutError'
}
