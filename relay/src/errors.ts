import { getSystemErrorMessage } from 'node:util'

/**
 * Why a relay could not start. Each condition has its own class with a stable
 * `name`; the message is one line that starts with the setting at fault (a
 * flag and its value), so the CLI prints it as is and exits with status 2.
 */
export abstract class RelayStartError extends Error {
  /** The flag of the setting at fault, e.g. `--ws-port`. */
  abstract readonly flag: string
}

/** A port another process (or another listener of ours) already holds. */
export class PortInUseError extends RelayStartError {
  override readonly name = 'PortInUseError'
  constructor (readonly flag: string, port: number, options?: ErrorOptions) {
    super(`${flag} ${port}: address already in use`, options)
  }
}

/** A port this process may not bind (below 1024 without the privilege). */
export class PortNotPermittedError extends RelayStartError {
  override readonly name = 'PortNotPermittedError'
  constructor (readonly flag: string, port: number, options?: ErrorOptions) {
    super(`${flag} ${port}: permission denied (ports below 1024 need privileges)`, options)
  }
}

/** A listen host that is not an address of this machine, or a host name that does not resolve. */
export class HostUnavailableError extends RelayStartError {
  override readonly name = 'HostUnavailableError'
  constructor (readonly flag: string, host: string, reason: string, options?: ErrorOptions) {
    super(`${flag} ${host}: ${reason}`, options)
  }
}

/** A listener failed for another reason (the message says which one). */
export class ListenFailedError extends RelayStartError {
  override readonly name = 'ListenFailedError'
  constructor (readonly flag: string, value: string | number, reason: string, options?: ErrorOptions) {
    super(`${flag} ${value}: cannot listen: ${reason}`, options)
  }
}

/** The data directory, or one of its parents, is a file. */
export class DataDirNotDirectoryError extends RelayStartError {
  override readonly name = 'DataDirNotDirectoryError'
  readonly flag = '--data-dir'
  constructor (dir: string, options?: ErrorOptions) {
    super(`--data-dir ${dir}: not a directory`, options)
  }
}

/** The data directory or a file in it cannot be created, read or written. */
export class DataDirUnusableError extends RelayStartError {
  override readonly name = 'DataDirUnusableError'
  readonly flag = '--data-dir'
  constructor (dir: string, what: string, options?: ErrorOptions) {
    super(`--data-dir ${dir}: ${what}`, options)
  }
}

/** `peer.key` exists but does not hold a private key. */
export class CorruptKeyError extends RelayStartError {
  override readonly name = 'CorruptKeyError'
  readonly flag = '--data-dir'
  constructor (dir: string, file: string, reason: string, options?: ErrorOptions) {
    super(`--data-dir ${dir}: ${file} is corrupt (${reason}); move it away to create a new identity`, options)
  }
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode (err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/** "address already in use" for a system error, else the first line of its message. */
export function systemReason (err: unknown): string {
  const errno = (err as NodeJS.ErrnoException | undefined)?.errno
  if (typeof errno === 'number' && errno < 0) {
    try {
      return getSystemErrorMessage(errno)
    } catch {
      // not an errno this platform knows: fall back to the message
    }
  }
  return firstLine(err)
}

export function firstLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n').find(l => l.trim() !== '')?.trim() ?? 'unknown error'
}

/** A TLS certificate or key file cannot be read or holds no usable PEM. */
export class TlsFileError extends RelayStartError {
  override readonly name = 'TlsFileError'
  constructor (readonly flag: '--tls-cert' | '--tls-key', file: string, reason: string, options?: ErrorOptions) {
    super(`${flag} ${file}: ${reason}`, options)
  }
}

/** The private key in `--tls-key` is not the key of the certificate in `--tls-cert`. */
export class TlsKeyMismatchError extends RelayStartError {
  override readonly name = 'TlsKeyMismatchError'
  readonly flag = '--tls-key'
  constructor (keyFile: string, certFile: string, options?: ErrorOptions) {
    super(`--tls-key ${keyFile}: not the private key of the certificate in --tls-cert ${certFile}`, options)
  }
}

/** An announced WebSockets address does not fit the relay's TLS setting or certificate. */
export class AnnounceTlsError extends RelayStartError {
  override readonly name = 'AnnounceTlsError'
  readonly flag = '--announce'
  constructor (address: string, reason: string, options?: ErrorOptions) {
    super(`--announce ${address}: ${reason}`, options)
  }
}
