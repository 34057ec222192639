/**
 * Fuzzing the file layer's decoders: block protocol frames (decodeFrame of a
 * BlockFrame protobuf message, from bytes and from a list split anywhere),
 * the file DAG's nodes (decodeRoot, decodeFileNode: dag-pb with UnixFS data),
 * manifests (parseManifest on the plaintext, decryptManifest on the block) and
 * file links (parseFileLink).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as dagPb from '@ipld/dag-pb'
import fc from 'fast-check'
import { UnixFS, type UnixFSType } from 'ipfs-unixfs'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { identity } from 'multiformats/hashes/identity'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { BLOCK_SIZE, FILE_FORMAT_VERSION, MAX_BLOCK_BYTES, MAX_MANIFEST_BYTES, MAX_PEER_HINTS, SEGMENT_SIZE } from '../../src/files/constants.js'
import { decodeFileNode, decodeRoot, encodeRoot, type FileRoot } from '../../src/files/dag.js'
import { BlockProtocolError, DecryptError, InvalidDagError, InvalidFileLinkError, ManifestError } from '../../src/files/errors.js'
import { createFileKey, deriveFileKeys } from '../../src/files/keys.js'
import { fileLink, parseFileLink } from '../../src/files/link.js'
import { decryptManifest, encodeManifest, encryptManifest, parseManifest, type FileManifest } from '../../src/files/manifest.js'
import { decodeFrame, encodeFrame, type BlockFrame } from '../../src/files/transfer/codec.js'
import { MAX_CIDS_PER_FRAME } from '../../src/files/transfer/constants.js'
import { FUZZ_TIMEOUT_MS, anyBytes, concat, decodes, decodesAsync, editField, jsonFrameInputs, mutatedBytes, params, pbEncode, pbFields, protobufFieldEdit, report, runs, tally, textInputs, utf8 } from './support.js'

const rawCid = CID.createV1(raw.code, await sha256.digest(new Uint8Array([1])))
const bigCid = CID.createV1(raw.code, await sha512.digest(new Uint8Array([2])))
const root = CID.createV1(dagPb.code, await sha256.digest(new Uint8Array([1, 2, 3])))
const blockFrames: BlockFrame[] = [
  { type: 'open', root },
  { type: 'want', cids: [rawCid, bigCid, rawCid] },
  { type: 'cancel', cids: [bigCid] },
  { type: 'block', cid: rawCid, bytes: new Uint8Array([1, 2, 3, 4, 5]) },
  { type: 'missing', cid: bigCid }
]
const encodedBlockFrames = blockFrames.map(encodeFrame)

function checkBlockFrame (f: BlockFrame): void {
  if (f.type === 'want' || f.type === 'cancel') expect(f.cids.length).toBeGreaterThan(0)
  if (f.type === 'want' || f.type === 'cancel') expect(f.cids.length).toBeLessThanOrEqual(MAX_CIDS_PER_FRAME)
  if (f.type === 'block') expect(f.bytes.byteLength).toBeLessThanOrEqual(MAX_BLOCK_BYTES)
  // what was accepted encodes again to a frame decoding to the same thing
  expect(decodeFrame(encodeFrame(f))).toEqual(f)
}

/**
 * Frame bytes: arbitrary, mutated valid frames, or a field key (each frame type's, an unknown one, a wrong wire type)
 * then a length at its extremes (0, 2^31, 2^53, a varint 10 bytes long…), then anything.
 */
const blockInputs = fc.oneof(
  { arbitrary: anyBytes(), weight: 1 },
  { arbitrary: mutatedBytes(encodedBlockFrames), weight: 4 },
  {
    arbitrary: fc.tuple(
      fc.constantFrom(0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x32, 0x08, 0x0b, 0xff),
      fc.constantFrom([0x00], [0x7f], [0x80], [0x80, 0x01], [0xff, 0xff, 0xff, 0xff, 0x07], [0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], Array(10).fill(0xff), [...Array(9).fill(0xff), 0x01], [0x81, 0x01], [0x24], [0x25], [0x44]),
      fc.constantFrom([], [0x0a], [0x12], [0x0a, 0x24], [0x0a, 0x00]),
      fc.uint8Array({ maxLength: 80 })
    ).map(([key, length, inner, rest]) => concat(new Uint8Array([key]), new Uint8Array(length), new Uint8Array(inner), rest)),
    weight: 2
  },
  // a WANT of MAX_CIDS_PER_FRAME + 1 CIDs, and a BLOCK one byte over MAX_BLOCK_BYTES, now and then
  { arbitrary: fc.constant(encodeFrame({ type: 'want', cids: Array.from({ length: MAX_CIDS_PER_FRAME + 1 }, () => rawCid) })), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 4 }).map(extra => encodeFrame({ type: 'block', cid: rawCid, bytes: new Uint8Array(MAX_BLOCK_BYTES + extra) })), weight: 1 }
)

const manifestCid = CID.createV1(raw.code, await sha256.digest(new Uint8Array([9])))
const leaves = await Promise.all([1, 2, 3].map(async i => CID.createV1(raw.code, await sha256.digest(new Uint8Array([i])))))
const inner = CID.createV1(dagPb.code, await sha256.digest(new Uint8Array([4])))

/** An internal content node as the importer writes it: a UnixFS file node with a block size per link. */
function fileNode (children: Array<[CID, number]>): Uint8Array {
  return dagPb.encode(dagPb.prepare({
    Data: new UnixFS({ type: 'file', blockSizes: children.map(([, size]) => BigInt(size)) }).marshal(),
    Links: children.map(([cid, size]) => ({ Hash: cid, Name: '', Tsize: size }))
  }))
}

const dagRoots = [
  (await encodeRoot({ cid: leaves[0]!, size: 1000 }, { cid: manifestCid, size: 200 })).bytes,
  (await encodeRoot({ cid: inner, size: 3n * BigInt(BLOCK_SIZE) }, { cid: manifestCid, size: MAX_MANIFEST_BYTES })).bytes
]
const dagFileNodes = [
  fileNode([[leaves[0]!, BLOCK_SIZE], [leaves[1]!, BLOCK_SIZE], [leaves[2]!, 1000]]),
  fileNode([[inner, 174 * BLOCK_SIZE], [leaves[0]!, 16]])
]

/** Bytes a DAG node's field may be given: CIDs of other versions, codecs and hashes, cut or padded CIDs, entry names, other UnixFS data, anything. */
const dagValues: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(
    CID.createV0(await sha256.digest(new Uint8Array([5]))).bytes,
    CID.createV1(0x71, await sha256.digest(new Uint8Array([6]))).bytes,
    CID.createV1(raw.code, await sha512.digest(new Uint8Array([7]))).bytes,
    CID.createV1(raw.code, identity.digest(new Uint8Array(40))).bytes,
    leaves[0]!.bytes.subarray(0, -1),
    concat(leaves[0]!.bytes, new Uint8Array([0])),
    new Uint8Array([0x01, 0x55, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f])
  ),
  fc.constantFrom('content', 'manifest', 'Content', 'content\u0000', '', 'x'.repeat(300)).map(utf8.encode),
  fc.constantFrom<UnixFSType>('raw', 'directory', 'file', 'metadata', 'symlink', 'hamt-sharded-directory').map(type => new UnixFS({ type }).marshal()),
  fc.uint8Array({ maxLength: 80 })
)
/** Edits of a dag-pb node's, a link's or its UnixFS data's fields (unknown from number 3 on: at the UnixFS level, other known fields as bytes). */
const dagFieldEdit = protobufFieldEdit(dagValues, 3)

/** Valid nodes edited field by field at three levels: the UnixFS data, one link, the node itself. */
function editedDagNode (valid: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...valid), fc.array(dagFieldEdit, { maxLength: 3 }), fc.nat(), fc.array(dagFieldEdit, { maxLength: 3 }), fc.array(dagFieldEdit, { maxLength: 2 }))
    .map(([bytes, dataEdits, linkAt, linkEdits, nodeEdits]) => {
      const fields = pbFields(bytes)
      const links = fields.filter(f => f.no === 2)
      const link = links[linkAt % Math.max(1, links.length)]
      const edited = fields.map(f => {
        if (f.wire !== 2) return f
        if (f.no === 1) return { ...f, value: pbEncode(dataEdits.reduce(editField, pbFields(f.value))) }
        if (f === link) return { ...f, value: pbEncode(linkEdits.reduce(editField, pbFields(f.value))) }
        return f
      })
      return pbEncode(nodeEdits.reduce(editField, edited))
    })
}

/** DAG node inputs: arbitrary bytes, field-level and byte-level mutations of the valid roots and content nodes, and those. */
const dagInputs = ((valid: Uint8Array[]) => fc.oneof(
  { arbitrary: anyBytes(), weight: 1 },
  { arbitrary: editedDagNode(valid), weight: 4 },
  { arbitrary: mutatedBytes(valid), weight: 3 },
  { arbitrary: fc.constantFrom(...valid), weight: 1 }
))([...dagRoots, ...dagFileNodes])

function checkRoot (r: FileRoot): void {
  expect(r.content.version).toBe(1)
  expect([raw.code, dagPb.code]).toContain(r.content.code)
  expect(r.manifest.code).toBe(raw.code)
}

const validManifests: FileManifest[] = [
  { version: FILE_FORMAT_VERSION, name: 'holiday video.mp4', type: 'video/mp4', size: 3 * SEGMENT_SIZE + 1, segmentSize: SEGMENT_SIZE, segments: 4 },
  { version: FILE_FORMAT_VERSION, name: 'ünïcødé 文件 🎉.txt', type: 'text/plain; charset="utf-8"', size: 0, segmentSize: SEGMENT_SIZE, segments: 1 }
]
const fileKeys = await deriveFileKeys(createFileKey())
const manifestBlocks = await Promise.all(validManifests.map(async m => encryptManifest(fileKeys, m)))
const AAD = utf8.encode(`peerlink/file/v1/manifest/${FILE_FORMAT_VERSION}`)

/** A manifest block of any plaintext, as the holder of the link key could make it: decrypts, then must parse. */
async function encryptPlaintext (plaintext: Uint8Array): Promise<Uint8Array> {
  const nonce = crypto.getRandomValues(new Uint8Array(12))
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: AAD as Uint8Array<ArrayBuffer> }, fileKeys.manifest, plaintext as Uint8Array<ArrayBuffer>))
  return concat(new Uint8Array([FILE_FORMAT_VERSION]), nonce, ct)
}

function checkManifest (m: FileManifest): void {
  // an accepted manifest is one we could have written (compared as JSON: a size of -0 is accepted, and is 0)
  expect(JSON.stringify(parseManifest(encodeManifest(m)))).toBe(JSON.stringify(m))
}

const peers = await Promise.all(Array.from({ length: 3 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
const linkKey = createFileKey()
const links = [
  fileLink('https://app.example/peerlink/', { cid: root, key: linkKey }),
  fileLink('https://app.example/peerlink/', { cid: root, key: linkKey, hints: peers }),
  `#/f/${root.toString()}/${base64url.baseEncode(linkKey)}?p=${peers[0] ?? ''}`,
  `f/${root.toString()}/${base64url.baseEncode(linkKey)}/`
]

describe('fuzzing the block protocol decoder', () => {
  it('decodeFrame (bytes): a valid frame or BlockProtocolError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(blockInputs, bytes => {
      decodes(() => decodeFrame(bytes), [BlockProtocolError], checkBlockFrame, t)
    }), params(runs(), [
      // found by this fuzzer: a CANCEL of a CID written as version 0 with a codec, which CID.decode
      // took and which encoded back otherwise (the codec now refuses non-canonical CIDs)
      Uint8Array.from([0x1a, 70, 0x0a, 68, 0, 85, 19, 64, ...Array.from({ length: 64 }, (_, i) => i)])
    ]))
    report('files decodeFrame (bytes)', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('decodeFrame (a list split anywhere, into a reused buffer): the same answer as from bytes', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(blockInputs, fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) => {
      const list = new Uint8ArrayList()
      let at = 0
      for (const cut of [...new Set(cuts.map(c => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)) {
        list.append(bytes.subarray(at, cut))
        at = cut
      }
      list.append(bytes.subarray(at))
      let expected: BlockFrame | string
      try {
        expected = decodeFrame(bytes)
      } catch (err) {
        expected = (err as Error).name
      }
      decodes(() => decodeFrame(list, length => new Uint8Array(length)), [BlockProtocolError], f => {
        checkBlockFrame(f)
        expect(f).toEqual(expected)
      }, t)
    }), params(runs()))
    report('files decodeFrame (list)', t, started)
  }, FUZZ_TIMEOUT_MS)
})

describe('fuzzing the file DAG decoders', () => {
  it('decodeRoot: a directory of a raw manifest and a CIDv1 content, or InvalidDagError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(dagInputs, bytes => {
      decodes(() => decodeRoot(bytes), [InvalidDagError], checkRoot, t)
    }), params(runs()))
    report('files decodeRoot', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('decodeFileNode: links with a safe-integer block size each, or InvalidDagError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(dagInputs, bytes => {
      decodes(() => decodeFileNode(inner, bytes), [InvalidDagError], children => {
        expect(children.length).toBeGreaterThan(0)
        for (const child of children) {
          expect(child.cid).toBeInstanceOf(CID)
          expect(Number.isSafeInteger(child.size) && child.size >= 0, `block size ${child.size}`).toBe(true)
        }
      }, t)
    }), params(runs(), [
      // found by this fuzzer: a block size of 2^53, which a Number cannot hold exactly, was taken
      dagPb.encode(dagPb.prepare({
        Data: new UnixFS({ type: 'file', blockSizes: [2n ** 53n, 16n] }).marshal(),
        Links: [{ Hash: inner, Name: '', Tsize: 1 }, { Hash: leaves[0]!, Name: '', Tsize: 16 }]
      }))
    ]))
    report('files decodeFileNode', t, started)
  }, FUZZ_TIMEOUT_MS)
})

describe('fuzzing the manifest decoders', () => {
  it('parseManifest: a valid manifest or ManifestError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(jsonFrameInputs(validManifests), bytes => {
      decodes(() => parseManifest(bytes), [ManifestError], checkManifest, t)
    }), params(runs(), [
      // found by this fuzzer: String() of an object whose toString is not a function threw a raw TypeError
      utf8.encode('{"version":{"toString":1}}'),
      utf8.encode('{"version":{"valueOf":{},"toString":{}}}')
    ]))
    report('files parseManifest', t, started)
  }, FUZZ_TIMEOUT_MS)

  it('decryptManifest: any block a key holder can make decrypts to a valid manifest or fails by name', async () => {
    const t = tally()
    const started = performance.now()
    await fc.assert(fc.asyncProperty(fc.oneof(
      { arbitrary: jsonFrameInputs(validManifests).chain(p => fc.constant(p)).map(async p => encryptPlaintext(p)), weight: 3 },
      { arbitrary: mutatedBytes(manifestBlocks).map(async b => b), weight: 2 },
      { arbitrary: anyBytes(MAX_MANIFEST_BYTES + 64).map(async b => b), weight: 1 }
    ), async block => {
      const bytes = await block
      await decodesAsync(async () => decryptManifest(fileKeys, bytes), [ManifestError, DecryptError], m => {
        checkManifest(m)
        expect(bytes.byteLength).toBeLessThanOrEqual(MAX_MANIFEST_BYTES)
      }, t)
    }), params(runs(1_000)))
    report('files decryptManifest', t, started)
  }, FUZZ_TIMEOUT_MS)
})

describe('fuzzing the file link parser', () => {
  it('parseFileLink: a dag-pb sha2-256 CIDv1, a 32-byte key and at most MAX_PEER_HINTS hints, or InvalidFileLinkError', () => {
    const t = tally()
    const started = performance.now()
    fc.assert(fc.property(textInputs(links), text => {
      decodes(() => parseFileLink(text), [InvalidFileLinkError], link => {
        expect(link.cid.version).toBe(1)
        expect(link.cid.code).toBe(dagPb.code)
        expect(link.key.byteLength).toBe(32)
        expect(link.hints.length).toBeLessThanOrEqual(MAX_PEER_HINTS)
        expect(parseFileLink(fileLink('https://x.example/', link))).toEqual(link)
      }, t)
    }), params(runs(), [
      // found by this fuzzer: base58 decoding is quadratic, and a link with a hint (or CID) of
      // 40,000 characters took seconds to parse (texts that long are now refused unread)
      `#/f/${root.toString()}/${base64url.baseEncode(linkKey)}?p=12D3KooW${'1'.repeat(40_000)}`,
      `#/f/z${'2'.repeat(40_000)}/${base64url.baseEncode(linkKey)}`
    ]))
    report('files parseFileLink', t, started)
  }, FUZZ_TIMEOUT_MS)
})
