import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { safetyNumber } from '../../src/dm/safety-number.js'
import { InvalidPeerIdError } from '../../src/errors.js'

const newId = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
const a = await newId()
const b = await newId()
const c = await newId()

describe('safety numbers', () => {
  it('are 12 digits in 3 groups of 4', () => {
    expect(safetyNumber(a, b)).toMatch(/^\d{4} \d{4} \d{4}$/)
  })

  it('are the same on both sides of a conversation, and stable', () => {
    expect(safetyNumber(a, b)).toBe(safetyNumber(b, a))
    expect(safetyNumber(a, b)).toBe(safetyNumber(a, b))
  })

  it('differ between conversations', async () => {
    const numbers = new Set([safetyNumber(a, b), safetyNumber(a, c), safetyNumber(b, c)])
    expect(numbers.size).toBe(3)
    // and across many random pairs
    const many = new Set<string>()
    for (let i = 0; i < 50; i++) many.add(safetyNumber(a, await newId()))
    expect(many.size).toBe(50)
  })

  it('refuse the same peer twice, invalid and non-Ed25519 PeerIds (InvalidPeerIdError)', async () => {
    const secp = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
    expect(() => safetyNumber(a, a)).toThrow(InvalidPeerIdError)
    expect(() => safetyNumber(a, 'hello')).toThrow(InvalidPeerIdError)
    expect(() => safetyNumber(a, secp)).toThrow(InvalidPeerIdError)
  })
})
