/**
 * Errors of the file layer, one class per condition, each with a stable `name`
 * that callers and the UI can switch on.
 */

/** A file link is malformed: wrong shape, bad CID, a key of the wrong size or bad peer hints. */
export class InvalidFileLinkError extends Error {
  override readonly name = 'InvalidFileLinkError'
}

/** A manifest is malformed, oversized, of an unknown version, or describes an impossible file. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError'
}

/**
 * Ciphertext does not authenticate with the link's key: wrong key, or a
 * segment or manifest that was altered, re-encrypted, reordered, dropped or
 * truncated.
 */
export class DecryptError extends Error {
  override readonly name = 'DecryptError'
}

/** A block's bytes do not hash to its CID. */
export class BlockVerificationError extends Error {
  override readonly name = 'BlockVerificationError'
}

/** A CID uses a hash function other than sha2-256, so its block cannot be verified. */
export class UnsupportedHashError extends Error {
  override readonly name = 'UnsupportedHashError'
}

/** A block is larger than MAX_BLOCK_BYTES. */
export class OversizedBlockError extends Error {
  override readonly name = 'OversizedBlockError'
}

/** A ChunkStore does not hold the requested block. */
export class BlockNotFoundError extends Error {
  override readonly name = 'BlockNotFoundError'
}

/** A file's DAG is not shaped as Peerlink writes it (root directory, content file, raw leaves of BLOCK_SIZE). */
export class InvalidDagError extends Error {
  override readonly name = 'InvalidDagError'
}

/** A file to import is larger than MAX_FILE_SIZE. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError'
}

/** A byte range is outside the file or not made of non-negative integers. */
export class InvalidRangeError extends Error {
  override readonly name = 'InvalidRangeError'
}

/** A peer broke the block protocol: a malformed or oversized frame, a block nobody asked for, too many wants. */
export class BlockProtocolError extends Error {
  override readonly name = 'BlockProtocolError'
}

/** A block stream carried no request for SERVER_IDLE_TIMEOUT_MS: the server closes it. */
export class BlockStreamIdleError extends Error {
  override readonly name = 'BlockStreamIdleError'
}

/** A peer sent a block whose bytes do not hash to its CID: it is dropped for the file and penalised. */
export class CorruptBlockError extends Error {
  override readonly name = 'CorruptBlockError'
}

/** A peer announced blocks (HAVE) it then said it did not hold, MAX_FALSE_HAVES times: it is dropped for the file. */
export class FalseHaveError extends Error {
  override readonly name = 'FalseHaveError'
}

/** No transfer with this CID is known. */
export class TransferNotFoundError extends Error {
  override readonly name = 'TransferNotFoundError'
}

/** A download was paused or cancelled while something waited for it. */
export class TransferStoppedError extends Error {
  override readonly name = 'TransferStoppedError'
}

/**
 * A download failed while something waited for it (a save into a file the
 * user picked): its error, `<name>: <message>`, is in this one's message.
 */
export class DownloadFailedError extends Error {
  override readonly name = 'DownloadFailedError'
}

/** What stopped a download that only relayed connections could carry (see {@link RelayLimitError}). */
export interface RelayLimit {
  /** The providers reached only through a relay. */
  peers: string[]
  /** The most bytes the relay lets through one of their connections (as it was when it opened). */
  limit: number
  /** Bytes the rest of the file takes on the wire. */
  left: number
}

/**
 * The providers of a file are reached only over relayed connections, and
 * the relay lets fewer bytes through them than the rest of the file needs:
 * the download cannot complete until a connection that can carry it opens
 * (a direct one, usually). `limit` names the providers and the bytes.
 */
export class RelayLimitError extends Error {
  override readonly name = 'RelayLimitError'

  constructor (message: string, readonly limit: RelayLimit, options?: ErrorOptions) {
    super(message, options)
  }
}

/**
 * The browser refused to store more (IndexedDB's QuotaExceededError): the
 * device is out of space, or the site reached the quota the browser allows
 * it. What was being written was not kept; freeing space and trying again
 * (resuming a download) continues from what is stored.
 */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError'
}

/**
 * The browser's storage for this site was cleared while the app ran, and a
 * file's blocks with it: the file is no longer stored on this device, so it
 * cannot be read or served from here. Resuming downloads it again from peers.
 */
export class StorageClearedError extends Error {
  override readonly name = 'StorageClearedError'
}

/** Whether `err` (or its cause) is the browser's QuotaExceededError. */
export function isQuotaExceeded (err: unknown): boolean {
  for (let e = err, depth = 0; e != null && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { name?: unknown }).name === 'QuotaExceededError') return true
  }
  return false
}

/** A QuotaExceededError as a {@link StorageFullError} (the original as its cause); anything else as it is. */
export function storageError (err: unknown): unknown {
  if (err instanceof StorageFullError || !isQuotaExceeded(err)) return err
  return new StorageFullError('Storage is full: the browser refused to store more for this site', { cause: err })
}
