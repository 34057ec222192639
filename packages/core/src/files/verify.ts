import { equals } from 'multiformats/bytes'
import { sha256 } from 'multiformats/hashes/sha2'
import { MAX_BLOCK_BYTES } from './constants.js'
import { BlockVerificationError, OversizedBlockError, UnsupportedHashError } from './errors.js'
import type { CID } from 'multiformats/cid'

/**
 * Checks that `bytes` hash to `cid` (sha2-256 only, the hash of every block
 * Peerlink writes) and are not larger than MAX_BLOCK_BYTES.
 *
 * @throws {BlockVerificationError | UnsupportedHashError | OversizedBlockError}
 */
export async function verifyBlock (cid: CID, bytes: Uint8Array): Promise<void> {
  if (cid.multihash.code !== sha256.code) {
    throw new UnsupportedHashError(`block ${cid} uses hash 0x${cid.multihash.code.toString(16)}, only sha2-256 is accepted`)
  }
  if (bytes.byteLength > MAX_BLOCK_BYTES) {
    throw new OversizedBlockError(`block ${cid} is ${bytes.byteLength} bytes, more than ${MAX_BLOCK_BYTES}`)
  }
  const digest = await sha256.digest(bytes)
  if (!equals(digest.digest, cid.multihash.digest)) {
    throw new BlockVerificationError(`block ${cid} does not hash to its CID`)
  }
}
