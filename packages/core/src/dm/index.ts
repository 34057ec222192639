/**
 * Direct messages: 1:1 conversations over a direct libp2p stream.
 *
 * - {@link DirectMessages}: the service (start/stop, send, conversation, conversations, safetyNumber, 'dm:added'/'dm:updated' events)
 * - {@link DmStore}: where messages persist; {@link IdbDmStore} in browsers, {@link MemoryDmStore} in tests
 * - {@link safetyNumber}: the short number two people compare to check each other's identity
 * - {@link sealMessage} / {@link openMessage}: the end-to-end sealing, for a store-and-forward copy
 * - {@link encodeFrame} / {@link decodeFrame}: the wire frames of DM_PROTOCOL (protobuf, pb/dm.proto)
 * - errors: one class per condition, each with a stable `name`
 */
export { DirectMessages, type DirectMessagesComponents, type DirectMessagesInit } from './direct-messages.js'
export type { DirectMessage, DirectMessageStatus, ConversationSummary, DirectMessagesEvents, DmsCleared } from './types.js'
export { DM_PROTOCOL, MAX_DM_TEXT_BYTES, MAX_DM_FRAME_BYTES, DM_RETRY_BACKOFF } from './constants.js'
export {
  DmTooLargeError,
  DmEmptyError,
  DmMalformedError,
  DmWrongRecipientError,
  DmSenderMismatchError,
  DmSignatureError,
  DmDecryptError,
  DmProtocolError,
  DmTimeoutError
} from './errors.js'
export { MemoryDmStore, type DmStore, type DmRecord } from './store.js'
export { IdbDmStore, DM_DB_NAME, DM_DB_STORE } from './idb-store.js'
export { safetyNumber, SAFETY_NUMBER_DIGITS } from './safety-number.js'
export { sealMessage, openMessage, sealedMessageId, type SealedMessage, type OpenedMessage } from './seal.js'
export { encodeFrame, decodeFrame, type DmFrame } from './codec.js'
