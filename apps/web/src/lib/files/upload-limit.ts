/**
 * `?upload-limit=<n>[k|m]`: cap on the bytes per second this browser serves
 * to others (k = 1,000, m = 1,000,000); 0 or absent for none. A malformed
 * value is ignored.
 */
export function uploadLimitOf (href: string): number {
  return parseUploadLimit(new URL(href).searchParams.get('upload-limit') ?? '') ?? 0
}

/**
 * An upload limit written as `?upload-limit=` takes it (`500k`, `1.5m`, `0`),
 * in bytes per second; undefined if malformed. The bench checks its
 * `--swarm-seeder-limit` with it too.
 */
export function parseUploadLimit (value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([km]?)$/.exec(value.trim().toLowerCase())
  if (match == null) return undefined
  const scale = match[2] === 'k' ? 1_000 : match[2] === 'm' ? 1_000_000 : 1
  return Math.round(Number(match[1]) * scale)
}
