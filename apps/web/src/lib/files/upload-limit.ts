/**
 * `?upload-limit=<n>[k|m]`: cap on the bytes per second this browser serves
 * to others (k = 1,000, m = 1,000,000); 0 or absent for none. A malformed
 * value is ignored.
 */
export function uploadLimitOf (href: string): number {
  const value = new URL(href).searchParams.get('upload-limit')?.trim().toLowerCase() ?? ''
  const match = /^(\d+(?:\.\d+)?)([km]?)$/.exec(value)
  if (match == null) return 0
  const scale = match[2] === 'k' ? 1_000 : match[2] === 'm' ? 1_000_000 : 1
  return Math.round(Number(match[1]) * scale)
}
