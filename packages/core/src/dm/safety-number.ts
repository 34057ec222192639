/**
 * A short number two people compare out of band (in person, on a call) to
 * check that each holds the other's real identity: both sides compute the
 * same digits, and any other pair of keys gives different ones.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { InvalidPeerIdError } from '../errors.js'
import { DM_SAFETY_CONTEXT } from './constants.js'
import { ed25519PublicKeyOf } from './seal.js'

/** Number of digits in a safety number (shown in groups of four). */
export const SAFETY_NUMBER_DIGITS = 12

/**
 * The safety number of the conversation between two Ed25519 PeerIds:
 * SHA-256 over a context string and the two public keys in byte order, its
 * first 64 bits reduced to 12 decimal digits, shown as "1234 5678 9012".
 * Order-independent: `safetyNumber(a, b) === safetyNumber(b, a)`.
 *
 * @throws {InvalidPeerIdError} when either is not an Ed25519 PeerId, or both are the same
 */
export function safetyNumber (myPeerId: string, theirPeerId: string): string {
  const mine = ed25519PublicKeyOf(myPeerId, 'own PeerId', InvalidPeerIdError).raw
  const theirs = ed25519PublicKeyOf(theirPeerId, 'PeerId', InvalidPeerIdError).raw
  const order = compareBytes(mine, theirs)
  if (order === 0) throw new InvalidPeerIdError('A safety number needs two different peers.')
  const [first, second] = order < 0 ? [mine, theirs] : [theirs, mine]
  const context = new TextEncoder().encode(DM_SAFETY_CONTEXT)
  const input = new Uint8Array(context.byteLength + first.byteLength + second.byteLength)
  input.set(context, 0)
  input.set(first, context.byteLength)
  input.set(second, context.byteLength + first.byteLength)
  const digest = sha256(input)
  const value = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0) % (10n ** BigInt(SAFETY_NUMBER_DIGITS))
  const digits = value.toString().padStart(SAFETY_NUMBER_DIGITS, '0')
  return digits.match(/\d{4}/g)?.join(' ') ?? digits
}

function compareBytes (a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.byteLength, b.byteLength); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0)
    if (diff !== 0) return diff
  }
  return a.byteLength - b.byteLength
}
