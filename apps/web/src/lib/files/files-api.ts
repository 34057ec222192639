/**
 * The seam between the web app and @peerlink/core's file sharing: the lib
 * classes import these from here, components only the plain types.
 */
export { fileLink, parseFileLink } from '@peerlink/core'
export type { DownloadInit, FileAttachment, FileLink, Files, NamedFile, SharedFile, TransferState, TransferStatus } from '@peerlink/core'
