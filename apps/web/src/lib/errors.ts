/** A message fit to show a user for anything thrown. */
export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message !== '' ? err.message : err.name
  return String(err)
}
