import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { FsDatastore } from 'datastore-fs'
import type { PrivateKey } from '@libp2p/interface'

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

export async function openRelayState (dataDir: string): Promise<RelayState> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const privateKey = await readOrCreate(join(dataDir, 'peer.key'),
    async () => privateKeyToProtobuf(await generateKeyPair('Ed25519')))
    .then(bytes => privateKeyFromProtobuf(bytes))
  const keychainPass = (await readOrCreate(join(dataDir, 'keychain.pass'),
    async () => new TextEncoder().encode(randomBytes(32).toString('base64url')))).toString()
  const datastore = new FsDatastore(join(dataDir, 'datastore'))
  await datastore.open()
  return { privateKey, keychainPass, datastore }
}

async function readOrCreate (path: string, create: () => Promise<Uint8Array>): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const bytes = await create()
  await writeFile(path, bytes, { mode: 0o600, flag: 'wx' })
  return Buffer.from(bytes)
}
