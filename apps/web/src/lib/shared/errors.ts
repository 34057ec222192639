/** A message fit to show a user for anything thrown. */
export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message !== '' ? err.message : err.name
  return String(err)
}

/** core's name for a write the browser refused for lack of space (StorageFullError). */
const STORAGE_FULL = 'StorageFullError'

/**
 * Whether an error (or a transfer's error text, `<name>: <message>`) says the
 * browser's storage for this site is full.
 */
export function isStorageFull (err: unknown): boolean {
  if (typeof err === 'string') return err.startsWith(`${STORAGE_FULL}:`) || err === STORAGE_FULL
  return err instanceof Error && err.name === STORAGE_FULL
}

/** core's name for a file whose blocks went when the browser's storage was cleared (StorageClearedError). */
const STORAGE_CLEARED = 'StorageClearedError'

/** Whether a transfer's error text (`<name>: <message>`) says the browser's storage was cleared under it. */
export function isStorageCleared (error: string): boolean {
  return error.startsWith(`${STORAGE_CLEARED}:`) || error === STORAGE_CLEARED
}

/** What to do about a full storage, for the end of a message. */
export const STORAGE_FULL_ADVICE = 'Free space on this device, delete files you no longer need here ("Delete" or "Cancel" on their rows), ' +
  'or allow this site more storage in the browser\'s site settings'
