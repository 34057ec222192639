/**
 * Sizes and limits of Peerlink's shared-file format (version 1).
 *
 * One UnixFS leaf block is exactly one encrypted segment: SEGMENT_SIZE bytes of
 * plaintext become BLOCK_SIZE bytes of ciphertext (AES-GCM adds a 16-byte
 * tag). BLOCK_SIZE is ipfs-unixfs-importer's (and kubo's) default fixed-size
 * chunk, so the ciphertext DAG is what a stock `ipfs add --cid-version=1` of
 * the same ciphertext produces.
 */

/** Format version, in the manifest and its block header. */
export const FILE_FORMAT_VERSION = 1

/** AES-GCM authentication tag appended to every segment and to the manifest. */
export const TAG_BYTES = 16

/** Ciphertext bytes per leaf block: the UnixFS fixed-size chunk. */
export const BLOCK_SIZE = 256 * 1024

/** Plaintext bytes per encrypted segment (the last one may be shorter, or empty). */
export const SEGMENT_SIZE = BLOCK_SIZE - TAG_BYTES

/** Children per UnixFS node of the balanced layout (ipfs-unixfs-importer's default). */
export const MAX_CHILDREN_PER_NODE = 174

/** Size of a file link's key. */
export const FILE_KEY_BYTES = 32

/** Largest file that can be shared (and whose manifest is accepted). */
export const MAX_FILE_SIZE = 64 * 1024 * 1024 * 1024

/** Largest block a ChunkStore accepts; our leaves are BLOCK_SIZE, other nodes much smaller. */
export const MAX_BLOCK_BYTES = 1024 * 1024

/** Largest encrypted manifest block. */
export const MAX_MANIFEST_BYTES = 4096

/** Manifest plaintext is padded with spaces to a multiple of this, so its size hides the name's length. */
export const MANIFEST_PADDING = 256

/** Largest file name in a manifest, in UTF-8 bytes. */
export const MAX_NAME_BYTES = 1024

/** Largest MIME type in a manifest, in characters. */
export const MAX_TYPE_LENGTH = 255

/** Most peer hints (`?p=`) a file link may carry. */
export const MAX_PEER_HINTS = 8

/** Names of the two entries of a file's root UnixFS directory. */
export const CONTENT_ENTRY = 'content'
export const MANIFEST_ENTRY = 'manifest'

/** Deepest content DAG accepted (a balanced DAG of MAX_FILE_SIZE needs 3 levels above the leaves). */
export const MAX_DAG_DEPTH = 4

/** Leaf blocks hashed and written concurrently while importing (bounds memory: a few segments). */
export const IMPORT_WRITE_CONCURRENCY = 4

/**
 * Leaf blocks fetched, verified and decrypted ahead of the reader (1 MiB).
 * Reading 128 MiB of 256 KiB values from IndexedDB in headless Chromium took
 * the same time (~2.7 s) with 4, 8 or 16 concurrent gets or getMany batches.
 */
export const READ_AHEAD = 4
