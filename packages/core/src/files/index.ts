/**
 * Files: the content layer of file sharing (encryption, chunking, addressing
 * and storage of shared files; moving blocks between peers is not here).
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
export { openFile, readFile, readRange, type SharedFile, type ReadFileInit } from './export.js'
export { MemoryChunkStore, type ChunkStore, type ReadableChunkStore } from './chunk-store.js'
export { IdbChunkStore, FILES_DB_NAME, FILES_DB_STORE } from './idb-chunk-store.js'
export { verifyBlock } from './verify.js'
export { encryptStream, decryptStream, encryptSegment, decryptSegment, segmentStream, type PlainSegment } from './aead.js'
export { createFileKey, deriveFileKeys, type FileKeys } from './keys.js'
export { encryptManifest, decryptManifest, parseManifest, encodeManifest, validateManifest, normalizeFileName, normalizeMimeType, type FileManifest } from './manifest.js'
export { encodeRoot, decodeRoot, walkContent, fileBlocks, type FileRoot, type LeafRef, type WalkInit } from './dag.js'
export { segmentCount, segmentSpan, segmentPlainLength, segmentBlockLength, segmentOffset, ciphertextSize, type SegmentSpan } from './layout.js'
export * from './constants.js'
export * from './errors.js'
