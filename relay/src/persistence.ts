import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { FsDatastore } from 'datastore-fs'
import type { PrivateKey } from '@libp2p/interface'
import { CorruptKeyError, DataDirNotDirectoryError, DataDirUnusableError, errnoCode, firstLine, systemReason } from './errors.js'

/**
 * What a relay keeps on disk so that its PeerId and full multiaddrs (including
 * the WebRTC-direct certhash) survive restarts:
 * - `peer.key`: the Ed25519 identity (libp2p protobuf)
 * - `keychain.pass`: the passphrase of libp2p's keychain, which holds the
 *   WebRTC-direct certificate's private key
 * - `datastore/`: libp2p's datastore (the keychain and the certificate)
 */
export interface RelayState {
  privateKey: PrivateKey
  keychainPass: string
  datastore: FsDatastore
}

/**
 * Opens (creating what is missing) the relay's data directory.
 *
 * @throws {DataDirNotDirectoryError} the directory or a parent is a file
 * @throws {DataDirUnusableError} it cannot be created, read or written
 * @throws {CorruptKeyError} `peer.key` holds no private key
 */
export async function openRelayState (dataDir: string): Promise<RelayState> {
  await makeDirectory(dataDir, dataDir)
  const keyBytes = await readOrCreate(dataDir, 'peer.key',
    async () => privateKeyToProtobuf(await generateKeyPair('Ed25519')))
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(keyBytes)
  } catch (err) {
    throw new CorruptKeyError(dataDir, 'peer.key', firstLine(err), { cause: err })
  }
  const keychainPass = (await readOrCreate(dataDir, 'keychain.pass',
    async () => new TextEncoder().encode(randomBytes(32).toString('base64url')))).toString()
  const datastore = new FsDatastore(join(dataDir, 'datastore'))
  try {
    await datastore.open()
  } catch (err) {
    throw new DataDirUnusableError(dataDir, `cannot open datastore/: ${systemReason(err)}`, { cause: err })
  }
  return { privateKey, keychainPass, datastore }
}

/**
 * `mkdir -p` that gives up: Node's recursive mkdir retries forever when the
 * kernel answers ENOENT for a parent that exists (e.g. /proc/nope), so each
 * missing level is created once, from the top down, and a second ENOENT fails.
 */
async function makeDirectory (dir: string, dataDir: string): Promise<void> {
  const tryMkdir = async (): Promise<string | undefined> => {
    try {
      await mkdir(dir, { mode: 0o700 })
      return undefined
    } catch (err) {
      const code = errnoCode(err)
      if (code === 'EEXIST') return undefined
      if (code === 'ENOENT') return code
      throw unusable(err, dataDir)
    }
  }
  if (await tryMkdir() === 'ENOENT') {
    const parent = dirname(dir)
    if (parent !== dir) await makeDirectory(parent, dataDir)
    if (await tryMkdir() === 'ENOENT') {
      throw new DataDirUnusableError(dataDir, `cannot mkdir ${dir}: no such file or directory`)
    }
  }
  let isDirectory: boolean
  try {
    isDirectory = (await stat(dir)).isDirectory()
  } catch (err) {
    throw unusable(err, dataDir)
  }
  if (!isDirectory) throw new DataDirNotDirectoryError(dataDir)
}

function unusable (err: unknown, dataDir: string): Error {
  if (errnoCode(err) === 'ENOTDIR') return new DataDirNotDirectoryError(dataDir, { cause: err })
  const path = (err as NodeJS.ErrnoException).path
  const syscall = (err as NodeJS.ErrnoException).syscall
  const what = syscall != null && path != null ? `cannot ${syscall} ${path}: ` : ''
  return new DataDirUnusableError(dataDir, `${what}${systemReason(err)}`, { cause: err })
}

async function readOrCreate (dataDir: string, name: string, create: () => Promise<Uint8Array>): Promise<Buffer> {
  const path = join(dataDir, name)
  try {
    return await readFile(path)
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw unusable(err, dataDir)
  }
  const bytes = await create()
  try {
    await writeFile(path, bytes, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    throw unusable(err, dataDir)
  }
  return Buffer.from(bytes)
}
