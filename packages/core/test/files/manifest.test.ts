import { describe, expect, it } from 'vitest'
import { MANIFEST_PADDING, MAX_FILE_SIZE, MAX_MANIFEST_BYTES, MAX_NAME_BYTES, SEGMENT_SIZE } from '../../src/files/constants.js'
import { DecryptError, ManifestError } from '../../src/files/errors.js'
import { createFileKey, deriveFileKeys } from '../../src/files/keys.js'
import { decryptManifest, encodeManifest, encryptManifest, normalizeFileName, normalizeMimeType, parseManifest, type FileManifest } from '../../src/files/manifest.js'

const valid: FileManifest = { version: 1, name: 'holiday video.mp4', type: 'video/mp4', size: 3 * SEGMENT_SIZE + 1, segmentSize: SEGMENT_SIZE, segments: 4 }
const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value))

describe('manifest encoding', () => {
  it('round-trips through JSON padded to a multiple of MANIFEST_PADDING', () => {
    const bytes = encodeManifest(valid)
    expect(bytes.byteLength % MANIFEST_PADDING).toBe(0)
    expect(parseManifest(bytes)).toEqual(valid)
  })

  it('pads names of different lengths to the same size', () => {
    expect(encodeManifest({ ...valid, name: 'a' }).byteLength).toBe(encodeManifest({ ...valid, name: 'a much longer name.mp4' }).byteLength)
  })

  it('round-trips an empty file, an unknown type and a MIME type with parameters', () => {
    for (const m of [{ ...valid, size: 0, segments: 1, type: '' }, { ...valid, type: 'text/plain; charset="utf-8"' }, { ...valid, name: 'ünïcødé 文件 🎉.txt' }]) {
      expect(parseManifest(encodeManifest(m))).toEqual(m)
    }
  })

  it('the largest name and type fit the manifest block', async () => {
    const keys = await deriveFileKeys(createFileKey())
    const worst = { ...valid, name: '"'.repeat(MAX_NAME_BYTES), type: `a/${'b'.repeat(253)}` }
    const block = await encryptManifest(keys, worst)
    expect(block.byteLength).toBeLessThanOrEqual(MAX_MANIFEST_BYTES)
    expect(await decryptManifest(keys, block)).toEqual(worst)
  })
})

describe('parseManifest rejects malformed input with ManifestError', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['text that is not JSON', new TextEncoder().encode('{"version":1,')],
    ['empty input', new Uint8Array()],
    ['JSON null', json(null)],
    ['a JSON array', json([valid])],
    ['a JSON number', json(1)],
    ['version 2', json({ ...valid, version: 2 })],
    ['version as a string', json({ ...valid, version: '1' })],
    ['no version', json({ ...valid, version: undefined })],
    ['a missing field (name)', json({ ...valid, name: undefined })],
    ['an unknown extra field', json({ ...valid, extra: true })],
    ['an empty name', json({ ...valid, name: '' })],
    ['name ".."', json({ ...valid, name: '..' })],
    ['a name with a slash', json({ ...valid, name: '../../etc/passwd' })],
    ['a name with a backslash', json({ ...valid, name: '..\\boot.ini' })],
    ['a name with a NUL', json({ ...valid, name: 'a\u0000.txt' })],
    ['a name with a newline', json({ ...valid, name: 'a\nb.txt' })],
    ['a name with a right-to-left override', json({ ...valid, name: 'invoice\u202Efdp.exe' })],
    ['a name with a lone surrogate', new TextEncoder().encode(JSON.stringify(valid).replace('holiday', '\\ud800'))],
    ['a name over MAX_NAME_BYTES', json({ ...valid, name: 'é'.repeat(MAX_NAME_BYTES / 2 + 1) })],
    ['a name that is a number', json({ ...valid, name: 42 })],
    ['a type without a subtype', json({ ...valid, type: 'video' })],
    ['a type with a control character', json({ ...valid, type: 'video/mp4\r\nX: y' })],
    ['a type over MAX_TYPE_LENGTH', json({ ...valid, type: `video/${'x'.repeat(250)}` })],
    ['a negative size', json({ ...valid, size: -1 })],
    ['a fractional size', json({ ...valid, size: 1.5, segments: 1 })],
    ['a size as a string', json({ ...valid, size: '10' })],
    ['a size over MAX_FILE_SIZE', json({ ...valid, size: MAX_FILE_SIZE + 1, segments: Math.ceil((MAX_FILE_SIZE + 1) / SEGMENT_SIZE) })],
    ['another segment size', json({ ...valid, segmentSize: 1024 * 1024, segments: 1 })],
    ['a segment count that does not match the size', json({ ...valid, segments: 3 })],
    ['zero segments for an empty file', json({ ...valid, size: 0, segments: 0 })]
  ]
  for (const [what, bytes] of cases) {
    it(what, () => {
      expect(() => parseManifest(bytes)).toThrow(ManifestError)
    })
  }
})

describe('encrypted manifest block', () => {
  it('round-trips, deterministically, and hides the name', async () => {
    const keys = await deriveFileKeys(createFileKey())
    const block = await encryptManifest(keys, valid)
    expect(block[0]).toBe(1)
    expect(await encryptManifest(keys, valid)).toEqual(block)
    expect(Buffer.from(block).includes(Buffer.from('holiday'))).toBe(false)
    expect(await decryptManifest(keys, block)).toEqual(valid)
    // a different manifest under the same key gets a different nonce
    const other = await encryptManifest(keys, { ...valid, name: 'other.mp4' })
    expect(Buffer.from(other.subarray(1, 13)).equals(Buffer.from(block.subarray(1, 13)))).toBe(false)
  })

  it('wrong key → DecryptError', async () => {
    const block = await encryptManifest(await deriveFileKeys(createFileKey()), valid)
    await expect(decryptManifest(await deriveFileKeys(createFileKey()), block)).rejects.toThrow(DecryptError)
  })

  it('a flipped byte in the nonce or the ciphertext → DecryptError', async () => {
    const keys = await deriveFileKeys(createFileKey())
    const block = await encryptManifest(keys, valid)
    for (const i of [1, 20, block.byteLength - 1]) {
      const bad = block.slice()
      bad[i] = (bad[i] ?? 0) ^ 0x80
      await expect(decryptManifest(keys, bad)).rejects.toThrow(DecryptError)
    }
  })

  it('too short, oversized or of another version → ManifestError', async () => {
    const keys = await deriveFileKeys(createFileKey())
    const block = await encryptManifest(keys, valid)
    await expect(decryptManifest(keys, block.subarray(0, 28))).rejects.toThrow(ManifestError)
    await expect(decryptManifest(keys, new Uint8Array())).rejects.toThrow(ManifestError)
    const oversized = new Uint8Array(MAX_MANIFEST_BYTES + 1)
    oversized.set(block)
    await expect(decryptManifest(keys, oversized)).rejects.toThrow(ManifestError)
    const v2 = block.slice()
    v2[0] = 2
    await expect(decryptManifest(keys, v2)).rejects.toThrow(ManifestError)
  })

  it('authentic ciphertext of a malformed manifest → ManifestError', async () => {
    const keys = await deriveFileKeys(createFileKey())
    const aad = new TextEncoder().encode('peerlink/file/v1/manifest/1')
    for (const plaintext of [json({ ...valid, segments: 99 }), new TextEncoder().encode('not json')]) {
      const nonce = crypto.getRandomValues(new Uint8Array(12))
      const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: aad }, keys.manifest, plaintext as Uint8Array<ArrayBuffer>))
      const block = new Uint8Array([1, ...nonce, ...ciphertext])
      await expect(decryptManifest(keys, block)).rejects.toThrow(ManifestError)
    }
  })
})

describe('metadata normalization on import', () => {
  it('makes any name acceptable', () => {
    expect(normalizeFileName('report.pdf')).toBe('report.pdf')
    expect(normalizeFileName('a/b\\c\u0000d\u202E.txt')).toBe('a_b_c_d_.txt')
    expect(normalizeFileName('  ')).toBe('file')
    expect(normalizeFileName('..')).toBe('file')
    expect(normalizeFileName('\ud800x')).toBe('\ufffdx')
    const long = normalizeFileName(`${'é'.repeat(2000)}.tar.gz`)
    expect(new TextEncoder().encode(long).byteLength).toBeLessThanOrEqual(MAX_NAME_BYTES)
    expect(long.endsWith('é.gz')).toBe(true)
  })

  it('keeps valid MIME types and drops invalid ones', () => {
    expect(normalizeMimeType('image/png')).toBe('image/png')
    expect(normalizeMimeType(' text/html; charset=utf-8 ')).toBe('text/html; charset=utf-8')
    expect(normalizeMimeType(undefined)).toBe('')
    expect(normalizeMimeType('not a type')).toBe('')
    expect(normalizeMimeType('text/plain\n')).toBe('text/plain')
    expect(normalizeMimeType('text/pl\u0000ain')).toBe('')
  })
})
