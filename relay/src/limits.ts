/**
 * The relay's descriptor budget: every connection, pending handshake and HTTP
 * socket holds a file descriptor. A limit below --max-connections makes the
 * relay fail with EMFILE long before its own limits refuse anyone, so it says
 * so at start (Node raises its soft limit to the hard one; what is read here
 * is what the process really has).
 */
import { readFile } from 'node:fs/promises'

/** Descriptors kept beside the connections: the HTTP port's sockets, pending handshakes, files. */
export const DESCRIPTOR_HEADROOM = 256

/** The soft "Max open files" of a /proc/<pid>/limits text; undefined when absent or unlimited. */
export function openFilesLimit (limits: string): number | undefined {
  const line = limits.split('\n').find(l => l.startsWith('Max open files'))
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0]
  if (soft == null || !/^\d+$/.test(soft)) return undefined
  return Number(soft)
}

/** A one-line warning when `limit` cannot hold `maxConnections` plus the headroom, else undefined. */
export function descriptorWarning (limit: number | undefined, maxConnections: number): string | undefined {
  if (limit == null || limit >= maxConnections + DESCRIPTOR_HEADROOM) return undefined
  return `warning: the open-files limit (${limit}) is below --max-connections (${maxConnections}) plus ${DESCRIPTOR_HEADROOM}; ` +
    'raise it (ulimit -n, LimitNOFILE=, compose ulimits) or lower --max-connections'
}

/** The warning for this process, read from /proc/self/limits (nothing where that file does not exist). */
export async function checkDescriptors (maxConnections: number): Promise<string | undefined> {
  const limits = await readFile('/proc/self/limits', 'utf8').catch(() => '')
  return descriptorWarning(openFilesLimit(limits), maxConnections)
}
