/**
 * Files: sharing files between peers, content-addressed and encrypted.
 *
 * Transfer (`transfer/`):
 * - {@link Files}: the service (share, download, pause/resume/cancel, open,
 *   save into a picked file while it downloads ({@link saveInOrder});
 *   'transfer:added' / 'transfer:updated' / 'transfer:complete' /
 *   'transfer:removed' events), remembering transfers in a
 *   {@link TransferStore} so downloads resume after a reload; when the
 *   browser deletes its stores while it runs ('storage:cleared'), a file
 *   whose blocks went fails with {@link StorageClearedError}, running
 *   downloads start again and every record is written back.
 * - The block protocol (BLOCKS_PROTOCOL, frames in `transfer/pb/blocks.proto`):
 *   request/response by CID over one stream per file and provider, a
 *   window of requests in flight per provider, backpressure on both sides; every block is hashed against its
 *   CID before it is kept, and a provider that sends a corrupt one is dropped
 *   for the file and penalised.
 * - Swarming: every provider found (link hints, room members, DHT provider
 *   records on the relays) is asked at once; a pull-based {@link Scheduler}
 *   gives each provider work as fast as it delivers, with an endgame.
 *   Downloaders serve what they hold and announce the file once complete.
 *
 * Content (this folder):
 *
 * - A shared file has a link `<app url>#/f/<cid>/<key>[?p=<peer hints>]`
 *   ({@link fileLink}, {@link parseFileLink}); the 256-bit key lives only in
 *   the fragment.
 * - The plaintext is encrypted chunk by chunk before chunking (STREAM over
 *   AES-256-GCM, {@link encryptStream}): segment `i` is authenticated with its
 *   index and a last-segment flag, so reordering, dropping or truncating
 *   segments is detected.
 * - The ciphertext is a standard UnixFS file built by ipfs-unixfs-importer
 *   (CIDv1, raw leaves, sha2-256, BLOCK_SIZE fixed-size chunks, balanced
 *   layout): one leaf = one encrypted segment. Any IPFS tool can verify the
 *   blocks; none can read them.
 * - Name, size and type travel in the encrypted manifest, a raw block beside
 *   the content in the file's root UnixFS directory (`content`, `manifest`),
 *   whose CID is the link's CID.
 * - Blocks live in a {@link ChunkStore} ({@link IdbChunkStore} in browsers,
 *   {@link MemoryChunkStore} in tests) that verifies every block it is given.
 * - {@link importFile} and {@link openFile} stream: memory stays bounded by a
 *   few segments whatever the file size, and {@link SharedFile.readRange}
 *   reads any byte range by fetching only the segments it covers.
 */
export { fileLink, parseFileLink, type FileLink, type FileLinkInit } from './link.js'
export { importFile, type FileSource, type BlobLike, type FileMetadata, type ImportFileInit, type ImportFileOptions, type ImportedFile, type ImportProgress, type ImportProgressEvents } from './import.js'
export { openFile, readFile, readRange, type SharedFile, type ReadFileInit, type ReadOptions } from './export.js'
export { MemoryChunkStore, type ChunkStore, type PutOptions, type ReadableChunkStore, type VerifiedReader } from './chunk-store.js'
export { IdbChunkStore, FILES_DB_NAME, FILES_DB_STORE } from './idb-chunk-store.js'
export { verifyBlock } from './verify.js'
export { encryptStream, decryptStream, encryptSegment, decryptSegment, segmentStream, type PlainSegment } from './aead.js'
export { createFileKey, deriveFileKeys, type FileKeys } from './keys.js'
export { encryptManifest, decryptManifest, parseManifest, encodeManifest, validateManifest, normalizeFileName, normalizeMimeType, type FileManifest } from './manifest.js'
export { encodeRoot, decodeRoot, walkContent, fileBlocks, type FileRoot, type LeafRef, type WalkInit } from './dag.js'
export { playbackWindow, segmentCount, segmentSpan, segmentPlainLength, segmentBlockLength, segmentOffset, ciphertextSize, type SegmentSpan } from './layout.js'
export * from './constants.js'
export * from './errors.js'
export { Files, type FilesComponents, type FilesInit } from './transfer/files.js'
export { Scheduler, type SchedulerInit } from './transfer/scheduler.js'
export { saveInOrder, followTransfer, type FileSink, type SaveOptions, type SaveInit, type FollowComponents, type FollowedTransfer, type TransferNow } from './transfer/save.js'
export { Throttle } from './transfer/throttle.js'
export { BLOCKS_PROTOCOL, PLAYBACK_AHEAD_BYTES } from './transfer/constants.js'
export { encodeFrame as encodeBlockFrame, decodeFrame as decodeBlockFrame, type BlockFrame } from './transfer/codec.js'
export { MemoryTransferStore, type TransferRecord, type TransferStore } from './transfer/store.js'
export { IdbTransferStore, TRANSFERS_DB_NAME, TRANSFERS_DB_STORE } from './transfer/idb-store.js'
export type * from './transfer/types.js'
