/**
 * "Clear site data" for fake-indexeddb, as Chromium does it (measured in
 * e2e/tests/site-data-cleared.spec.ts): every open connection is closed by
 * force (its `close` event fires) and every database is deleted.
 */
import { forceCloseDatabase } from 'fake-indexeddb'

const open = IDBFactory.prototype.open
const connections = new Set<IDBDatabase>()

/** Records every connection opened from now on, so {@link clearSiteData} can close it. */
export function trackConnections (): void {
  IDBFactory.prototype.open = function (...args: Parameters<typeof open>) {
    const request = open.apply(this, args)
    request.addEventListener('success', () => {
      const db = request.result
      connections.add(db)
      db.addEventListener('close', () => { connections.delete(db) })
    })
    return request
  }
}

export function stopTrackingConnections (): void {
  IDBFactory.prototype.open = open
  connections.clear()
}

/**
 * Deletes every database, closing every tracked connection by force on the
 * way: the deletions are asked for first, so a connection opened again from a
 * `close` event waits for them and finds its database gone, as in Chromium.
 */
export async function clearSiteData (): Promise<void> {
  const deletions = (await indexedDB.databases()).flatMap(({ name }) => name == null
    ? []
    : [new Promise<void>((resolve, reject) => {
        const request = indexedDB.deleteDatabase(name)
        request.onsuccess = () => { resolve() }
        request.onerror = () => { reject(request.error ?? new Error(`deleting ${name} failed`)) }
      })])
  for (const db of [...connections]) {
    connections.delete(db)
    forceCloseDatabase(db as unknown as Parameters<typeof forceCloseDatabase>[0])
  }
  await Promise.all(deletions)
}
