/**
 * The seam between the web app and @peerlink/core's file sharing: the files
 * classes import core from here only, components only the plain types.
 */
export { fileLink, MAX_THUMBNAIL_BYTES, parseFileLink } from '@peerlink/core'
export type { DownloadInit, FileAttachment, FileLink, FilePreview, Files, FileSink, NamedFile, Peerlink, SaveOptions, TransferState, TransferStatus } from '@peerlink/core'
