import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as dagPb from '@ipld/dag-pb'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_PEER_HINTS } from '../../src/files/constants.js'
import { InvalidFileLinkError } from '../../src/files/errors.js'
import { createFileKey } from '../../src/files/keys.js'
import { fileLink, parseFileLink } from '../../src/files/link.js'

const APP = 'https://app.example/peerlink/'
let root: CID
let peers: string[]

beforeAll(async () => {
  root = CID.createV1(dagPb.code, await sha256.digest(new Uint8Array([1, 2, 3])))
  peers = await Promise.all(Array.from({ length: MAX_PEER_HINTS + 1 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
})

describe('file links', () => {
  it('round-trips a CID and key, keeping both in the fragment', () => {
    const key = createFileKey()
    const link = fileLink(`${APP}?relay=x#/old`, { cid: root, key })
    expect(link).toBe(`${APP}?relay=x#/f/${root.toString()}/${base64url.baseEncode(key)}`)
    expect(link).toMatch(/#\/f\/bafybei[a-z2-7]{52}\/[\w-]{43}$/)
    const parsed = parseFileLink(link)
    expect(parsed.cid.equals(root)).toBe(true)
    expect(parsed.key).toEqual(key)
    expect(parsed.hints).toEqual([])
  })

  it('carries peer hints after ?p=, deduplicated', () => {
    const key = createFileKey()
    const link = fileLink(APP, { cid: root.toString(), key, hints: [peers[0] ?? '', peers[1] ?? '', peers[0] ?? ''] })
    expect(link.endsWith(`?p=${peers[0]},${peers[1]}`)).toBe(true)
    expect(parseFileLink(link).hints).toEqual([peers[0], peers[1]])
  })

  it('accepts the fragment alone, the bare path, a trailing slash, spaces and unknown parameters', () => {
    const key = createFileKey()
    const k = base64url.baseEncode(key)
    for (const input of [`#/f/${root}/${k}`, `/f/${root}/${k}`, `f/${root}/${k}/`, `  ${APP}#/f/${root}/${k}  `, `${APP}#/f/${root}/${k}?x=1`]) {
      const parsed = parseFileLink(input)
      expect(parsed.cid.equals(root)).toBe(true)
      expect(parsed.key).toEqual(key)
    }
  })

  describe('rejects malformed links', () => {
    const k = base64url.baseEncode(new Uint8Array(32).fill(7))
    const cases: Array<[string, () => string]> = [
      ['empty input', () => ''],
      ['a room link', () => `${APP}#/r/abc/${k}`],
      ['no key', () => `${APP}#/f/${root}`],
      ['an empty key', () => `${APP}#/f/${root}/`],
      ['an extra path segment', () => `${APP}#/f/${root}/${k}/more`],
      ['a CID that is not a CID', () => `${APP}#/f/bafynotacid/${k}`],
      ['a CIDv0', () => `${APP}#/f/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG/${k}`],
      ['a raw-codec CID instead of the dag-pb root', () => `${APP}#/f/${CID.createV1(raw.code, root.multihash)}/${k}`],
      ['a CID with the identity hash', () => `${APP}#/f/${CID.createV1(dagPb.code, identity.digest(new Uint8Array(4)))}/${k}`],
      ['a CID with sha2-512', () => `${APP}#/f/${sha512Cid}/${k}`],
      ['a 128-bit key', () => `${APP}#/f/${root}/${base64url.baseEncode(new Uint8Array(16))}`],
      ['a 264-bit key', () => `${APP}#/f/${root}/${base64url.baseEncode(new Uint8Array(33))}`],
      ['a key in standard base64 (+ and /)', () => `${APP}#/f/${root}/${k.slice(0, 41)}+/`],
      ['a padded key', () => `${APP}#/f/${root}/${k}=`],
      ['a key with non-canonical trailing bits', () => `${APP}#/f/${root}/${k.slice(0, 42)}B`],
      ['an empty hint list', () => `${APP}#/f/${root}/${k}?p=`],
      ['an empty hint between commas', () => `${APP}#/f/${root}/${k}?p=${peers[0]},,${peers[1]}`],
      ['a hint that is not a PeerId', () => `${APP}#/f/${root}/${k}?p=notapeer`],
      ['two hint lists', () => `${APP}#/f/${root}/${k}?p=${peers[0]}&p=${peers[1]}`],
      ['too many hints', () => `${APP}#/f/${root}/${k}?p=${peers.join(',')}`]
    ]
    let sha512Cid: CID
    beforeAll(async () => {
      sha512Cid = CID.createV1(dagPb.code, await sha512.digest(new Uint8Array(1)))
    })
    for (const [what, input] of cases) {
      it(what, () => {
        expect(() => parseFileLink(input())).toThrow(InvalidFileLinkError)
      })
    }
  })

  it('refuses to build links with a bad key, CID or hints', () => {
    expect(() => fileLink(APP, { cid: root, key: new Uint8Array(16) })).toThrow(InvalidFileLinkError)
    expect(() => fileLink(APP, { cid: CID.createV1(raw.code, root.multihash), key: createFileKey() })).toThrow(InvalidFileLinkError)
    expect(() => fileLink(APP, { cid: 'nope', key: createFileKey() })).toThrow(InvalidFileLinkError)
    expect(() => fileLink(APP, { cid: root, key: createFileKey(), hints: ['nope'] })).toThrow(InvalidFileLinkError)
    expect(() => fileLink(APP, { cid: root, key: createFileKey(), hints: peers })).toThrow(InvalidFileLinkError)
  })
})
