import { open, readFile } from 'node:fs/promises'

/**
 * Whether a running process's writable memory contains `needle` (UTF-8 or
 * UTF-16LE, as V8 may keep strings in either). Linux only; needs ptrace
 * rights over the process (root, or the same user with ptrace_scope 0).
 */
export async function processMemoryContains (pid: number, needle: string): Promise<boolean> {
  const patterns = [Buffer.from(needle, 'utf8'), Buffer.from(needle, 'utf16le')]
  const maps = await readFile(`/proc/${pid}/maps`, 'utf8')
  const mem = await open(`/proc/${pid}/mem`, 'r')
  try {
    for (const line of maps.split('\n')) {
      const [range, perms, , , , path] = line.split(/\s+/)
      if (range == null || perms?.startsWith('rw') !== true || path?.startsWith('[v') === true) continue
      const [start, end] = range.split('-').map(h => parseInt(h, 16)) as [number, number]
      const chunk = 16 * 1024 * 1024
      for (let at = start; at < end; at += chunk) {
        const length = Math.min(chunk + 256, end - at)
        const buffer = Buffer.alloc(length)
        try {
          await mem.read(buffer, 0, length, at)
        } catch {
          break // unreadable region
        }
        if (patterns.some(p => buffer.includes(p))) return true
      }
    }
    return false
  } finally {
    await mem.close()
  }
}
