import { fromString, toString } from 'uint8arrays'

/** base64url without padding, for links and signed text. */
export function toBase64url (bytes: Uint8Array): string {
  return toString(bytes, 'base64url')
}

/** @returns undefined when `text` is not base64url */
export function fromBase64url (text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined
  try {
    return fromString(text, 'base64url')
  } catch {
    return undefined
  }
}

export function toHex (bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

/** Bytes of lowercase hex text (ids and digests this module wrote). */
export function fromHex (hex: string): Uint8Array<ArrayBuffer> {
  return fromString(hex, 'base16') as Uint8Array<ArrayBuffer>
}

export const utf8 = {
  encode: (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes)
}
