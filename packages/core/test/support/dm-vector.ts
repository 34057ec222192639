/**
 * A direct message sealed by Peerlink's dm/1.0.0 code (JSON frames), kept as
 * a test vector: the seal construction is unchanged in dm/2.0.0, so it must
 * still open, keep its id and travel in a protobuf frame. Alice and Bob's
 * Ed25519 keys come from fixed seeds.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { fromString } from 'uint8arrays'
import type { SealedMessage } from '../../src/dm/seal.js'

const hex = (text: string): Uint8Array => new Uint8Array(fromString(text, 'base16'))

/** Alice, the sender: seed 32 × 0xa1. */
export const vectorAlice = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(0xa1))
/** Bob, the recipient: seed 32 × 0xb0. */
export const vectorBob = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(0xb0))

export const VECTOR_TEXT = 'queued by dm/1.0.0 ✉️'

export const VECTOR_ID = 'dbcfd102e6369825870dc99844f4427140a7eb854e37fbc13a2a182258954c85'

export const vectorSealed: SealedMessage = {
  from: '12D3KooWNW98jY6oC8EEaFFbYCc24HPRaNAJaEY7eiAvspiAgFak',
  to: '12D3KooWHP2Ve7tpkRQMJACbU4xmq9aDwL6gphLRHLJ3xB6nU5KA',
  sentAt: 1_700_000_000_000,
  epk: hex('fedb0fa7a510dad58dc99e71723c91010c02fc724ba3c9f8e238318478ae1977'),
  iv: hex('ee0e9c3a77c2cef1e29f3a39'),
  ct: hex('e64c2ab0325e999bbc825a9d40bc34ecef26486baa44a84ac82c09f303b7ee3a5ee9bb02332c0edb4e'),
  sig: hex('e61a50c9a762e8216be5bab71beb2dca9647e62c0fec9e64a0778080406eb0b9d48d13ee0255080760a72b54abbdeecc1195af77d9155107f7e1320adf47cf00')
}
