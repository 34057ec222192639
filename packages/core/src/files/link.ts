/**
 * File links: `<app url>#/f/<cid>/<key>[?p=<peer id>,<peer id>…]`.
 *
 * Everything after `#` stays in the browser (fragments are never sent to a
 * server): the root CID (base32 CIDv1), the 256-bit key (base64url) and
 * optional peer hints, PeerIds of peers that likely hold the blocks.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import * as dagPb from '@ipld/dag-pb'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { FILE_KEY_BYTES, MAX_PEER_HINTS } from './constants.js'
import { InvalidFileLinkError } from './errors.js'

/**
 * Longest CID and PeerId texts read from a link: base58 decoding takes time
 * quadratic in the length, so a link of huge ones would stall the page.
 */
const MAX_CID_CHARS = 256
const MAX_PEER_ID_CHARS = 128

/** What a file link carries. */
export interface FileLink {
  /** Root CID: the file's UnixFS directory (dag-pb, sha2-256, CIDv1). */
  cid: CID
  /** The link key, FILE_KEY_BYTES long. */
  key: Uint8Array
  /** PeerIds (base58btc) of peers that likely hold the file; may be empty. */
  hints: string[]
}

export interface FileLinkInit {
  cid: CID | string
  key: Uint8Array
  hints?: Iterable<string>
}

/**
 * @throws {InvalidFileLinkError} if the CID, key or a hint is invalid, or there are more than MAX_PEER_HINTS hints
 */
export function fileLink (appUrl: string, init: FileLinkInit): string {
  const cid = checkCid(typeof init.cid === 'string' ? parseCid(init.cid) : init.cid)
  if (!(init.key instanceof Uint8Array) || init.key.byteLength !== FILE_KEY_BYTES) {
    throw new InvalidFileLinkError(`the key must be ${FILE_KEY_BYTES} bytes`)
  }
  const hints = checkHints([...(init.hints ?? [])])
  const base = appUrl.split('#')[0]
  const query = hints.length > 0 ? `?p=${hints.join(',')}` : ''
  return `${base}#/f/${cid.toString()}/${base64url.baseEncode(init.key)}${query}`
}

/**
 * Reads a file link, its fragment, or the `/f/<cid>/<key>` path of one.
 *
 * @throws {InvalidFileLinkError} saying what is wrong
 */
export function parseFileLink (input: string): FileLink {
  const text = input.trim()
  const fragment = text.includes('#') ? text.slice(text.indexOf('#') + 1) : text
  const match = /^\/?f\/([^/?#]*)\/([^/?#]*)\/?(?:\?([^#]*))?$/.exec(fragment)
  if (match == null) throw new InvalidFileLinkError('Invalid file link: expected …#/f/<cid>/<key>')
  const [, cidText = '', keyText = '', query] = match
  const cid = checkCid(parseCid(cidText))
  let key: Uint8Array | undefined
  try {
    key = /^[A-Za-z0-9_-]+$/.test(keyText) ? base64url.baseDecode(keyText) : undefined
  } catch {
    // not base64url: reported below
  }
  if (key?.byteLength !== FILE_KEY_BYTES) {
    throw new InvalidFileLinkError('Invalid file link: the key is not a 256-bit base64url key')
  }
  let hints: string[] = []
  if (query != null) {
    const params = new URLSearchParams(query)
    const p = params.getAll('p')
    if (p.length > 1) throw new InvalidFileLinkError('Invalid file link: more than one peer hint list')
    if (p[0] != null) hints = checkHints(p[0].split(','))
  }
  return { cid, key, hints }
}

function parseCid (text: string): CID {
  if (text.length > MAX_CID_CHARS) throw new InvalidFileLinkError('Invalid file link: the CID is not a CID')
  try {
    return CID.parse(text)
  } catch {
    throw new InvalidFileLinkError('Invalid file link: the CID is not a CID')
  }
}

function checkCid (cid: CID): CID {
  if (cid.version !== 1 || cid.code !== dagPb.code) {
    throw new InvalidFileLinkError('Invalid file link: the CID is not a CIDv1 dag-pb root')
  }
  if (cid.multihash.code !== sha256.code || cid.multihash.digest.byteLength !== 32) {
    throw new InvalidFileLinkError('Invalid file link: the CID is not sha2-256')
  }
  return cid
}

function checkHints (hints: string[]): string[] {
  const unique = new Set<string>()
  for (const hint of hints) {
    try {
      if (hint.length > MAX_PEER_ID_CHARS) throw new InvalidFileLinkError('too long')
      unique.add(peerIdFromString(hint).toString())
    } catch {
      throw new InvalidFileLinkError(`Invalid file link: peer hint "${hint.slice(0, 64)}" is not a PeerId`)
    }
  }
  if (unique.size > MAX_PEER_HINTS) throw new InvalidFileLinkError(`Invalid file link: more than ${MAX_PEER_HINTS} peer hints`)
  return [...unique]
}
