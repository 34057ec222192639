import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { MAX_DM_TEXT_BYTES } from '../../src/dm/constants.js'
import { DmDecryptError, DmEmptyError, DmMalformedError, DmSenderMismatchError, DmSignatureError, DmTooLargeError, DmWrongRecipientError } from '../../src/dm/errors.js'
import { encodeText, openMessage, sealedMessageId, sealedSignedBytes, sealMessage, type SealedMessage } from '../../src/dm/seal.js'
import type { PrivateKey } from '@libp2p/interface'
import { VECTOR_ID, VECTOR_TEXT, vectorAlice, vectorBob, vectorSealed } from '../support/dm-vector.js'

const alice = await generateKeyPair('Ed25519')
const bob = await generateKeyPair('Ed25519')
const carol = await generateKeyPair('Ed25519')
const mallory = await generateKeyPair('Ed25519')
const idOf = (key: PrivateKey): string => peerIdFromPrivateKey(key).toString()

/** A message from Alice to Bob. */
async function sealed (text = 'hello Bob'): Promise<{ id: string, sealed: SealedMessage }> {
  return sealMessage({ privateKey: alice, to: idOf(bob), sentAt: 1_700_000_000_000, text })
}

/** `sealed` with some fields replaced, signed again by `signer` (so only the changed meaning is wrong). */
async function resigned (message: SealedMessage, changes: Partial<SealedMessage>, signer: PrivateKey): Promise<SealedMessage> {
  const changed = { ...message, ...changes }
  return { ...changed, sig: await signer.sign(sealedSignedBytes(changed)) }
}

function flipBit (bytes: Uint8Array, index = 0): Uint8Array {
  const copy = bytes.slice()
  copy[index] = (copy[index] ?? 0) ^ 1
  return copy
}

describe('sealing direct messages', () => {
  it('round-trips: Bob opens what Alice sealed to him, with the same id', async () => {
    const { id, sealed: message } = await sealed('hello Bob 👋')
    const opened = await openMessage(message, bob, { expectedSender: idOf(alice) })
    expect(opened).toEqual({ id, from: idOf(alice), to: idOf(bob), sentAt: 1_700_000_000_000, text: 'hello Bob 👋' })
    expect(sealedMessageId(message)).toBe(id)
    expect(id).toMatch(/^[0-9a-f]{64}$/)
  })

  it('opens a message sealed by dm/1.0.0 with the same id: the seal construction is unchanged', async () => {
    expect(vectorSealed.from).toBe(idOf(vectorAlice))
    expect(vectorSealed.to).toBe(idOf(vectorBob))
    expect(sealedMessageId(vectorSealed)).toBe(VECTOR_ID)
    expect(await openMessage(vectorSealed, vectorBob, { expectedSender: idOf(vectorAlice) }))
      .toEqual({ id: VECTOR_ID, from: vectorSealed.from, to: vectorSealed.to, sentAt: vectorSealed.sentAt, text: VECTOR_TEXT })
  })

  it('hides the text and uses a fresh ephemeral key and id each time', async () => {
    const a = await sealed('same text')
    const b = await sealed('same text')
    expect(new TextDecoder().decode(a.sealed.ct)).not.toContain('same text')
    expect(a.sealed.epk).not.toEqual(b.sealed.epk)
    expect(a.id).not.toBe(b.id)
  })

  it('rejects a ciphertext with one bit flipped: the signature covers it (DmSignatureError)', async () => {
    const { sealed: message } = await sealed()
    await expect(openMessage({ ...message, ct: flipBit(message.ct) }, bob)).rejects.toThrow(DmSignatureError)
  })

  it('rejects a flipped ciphertext even when validly signed by its sender (DmDecryptError: the AEAD tag fails)', async () => {
    const { sealed: message } = await sealMessage({ privateKey: mallory, to: idOf(bob), sentAt: 1, text: 'hi' })
    const tampered = await resigned(message, { ct: flipBit(message.ct, 3) }, mallory)
    await expect(openMessage(tampered, bob)).rejects.toThrow(DmDecryptError)
  })

  it('rejects a changed sentAt, to or ephemeral key (DmSignatureError: the signature binds them)', async () => {
    const { sealed: message } = await sealed()
    await expect(openMessage({ ...message, sentAt: message.sentAt + 1 }, bob)).rejects.toThrow(DmSignatureError)
    await expect(openMessage({ ...message, to: idOf(carol) }, carol)).rejects.toThrow(DmSignatureError)
    await expect(openMessage({ ...message, epk: flipBit(message.epk) }, bob)).rejects.toThrow(DmSignatureError)
  })

  it('refuses a message addressed to someone else (DmWrongRecipientError), before trying to decrypt', async () => {
    const { sealed: message } = await sealed()
    await expect(openMessage(message, carol)).rejects.toThrow(DmWrongRecipientError)
  })

  it('cannot be opened by Bob when sealed to Carol\'s key and readdressed to Bob (DmDecryptError)', async () => {
    const { sealed: toCarol } = await sealMessage({ privateKey: mallory, to: idOf(carol), sentAt: 1, text: 'for Carol' })
    const readdressed = await resigned(toCarol, { to: idOf(bob) }, mallory)
    await expect(openMessage(readdressed, bob)).rejects.toThrow(DmDecryptError)
  })

  it('rejects a forged sender: Mallory signs a message claiming to be from Alice (DmSignatureError)', async () => {
    const { sealed: byMallory } = await sealMessage({ privateKey: mallory, to: idOf(bob), sentAt: 1, text: 'I am Alice' })
    const forged = await resigned(byMallory, { from: idOf(alice) }, mallory)
    await expect(openMessage(forged, bob)).rejects.toThrow(DmSignatureError)
  })

  it('rejects Alice\'s genuine message relayed by Mallory on her own stream (DmSenderMismatchError)', async () => {
    const { sealed: message } = await sealed()
    await expect(openMessage(message, bob, { expectedSender: idOf(mallory) })).rejects.toThrow(DmSenderMismatchError)
  })

  it('rejects a sender that is not an Ed25519 PeerId (DmMalformedError)', async () => {
    const { sealed: message } = await sealed()
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
    await expect(openMessage({ ...message, from: secp }, bob)).rejects.toThrow(DmMalformedError)
    await expect(openMessage({ ...message, from: 'not-a-peer-id' }, bob)).rejects.toThrow(DmMalformedError)
  })

  it('rejects fields of the wrong size: truncated key, nonce, signature, empty ciphertext (DmMalformedError)', async () => {
    const { sealed: m } = await sealed()
    for (const bad of [{ epk: m.epk.subarray(1) }, { iv: m.iv.subarray(1) }, { sig: m.sig.subarray(1) }, { ct: new Uint8Array(0) }, { sentAt: -1 }, { sentAt: 1.5 }]) {
      await expect(openMessage({ ...m, ...bad }, bob), JSON.stringify(Object.keys(bad))).rejects.toThrow(DmMalformedError)
    }
  })

  it('rejects a low-order ephemeral key without crashing (DmDecryptError)', async () => {
    const { sealed: message } = await sealMessage({ privateKey: mallory, to: idOf(bob), sentAt: 1, text: 'hi' })
    const lowOrder = await resigned(message, { epk: new Uint8Array(32) }, mallory)
    await expect(openMessage(lowOrder, bob)).rejects.toThrow(DmDecryptError)
  })

  it('limits text to MAX_DM_TEXT_BYTES of UTF-8 and refuses empty text', async () => {
    expect(encodeText('x'.repeat(MAX_DM_TEXT_BYTES)).byteLength).toBe(MAX_DM_TEXT_BYTES)
    // 'é' is two bytes: half as many characters already reach the limit
    expect(() => encodeText('é'.repeat(MAX_DM_TEXT_BYTES / 2 + 1))).toThrow(DmTooLargeError)
    expect(() => encodeText('x'.repeat(MAX_DM_TEXT_BYTES + 1))).toThrow(DmTooLargeError)
    expect(() => encodeText('')).toThrow(DmEmptyError)
    await expect(sealMessage({ privateKey: alice, to: idOf(bob), sentAt: 1, text: 'x'.repeat(MAX_DM_TEXT_BYTES + 1) })).rejects.toThrow(DmTooLargeError)
    const big = await sealMessage({ privateKey: alice, to: idOf(bob), sentAt: 1, text: 'x'.repeat(MAX_DM_TEXT_BYTES) })
    expect((await openMessage(big.sealed, bob)).text).toHaveLength(MAX_DM_TEXT_BYTES)
  })
})
