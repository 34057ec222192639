/**
 * The browser does not let this site store anything: IndexedDB is missing, or
 * opening it fails (a private window of some browsers, site data blocked in
 * the browser's settings, a storage the browser could not open).
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError'
}
