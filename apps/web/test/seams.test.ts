import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const LIB = join(import.meta.dirname, '../src/lib')

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : /\.(ts|svelte)$/.test(entry.name) ? [join(dir, entry.name)] : [])
}

/** Whether a module imports core or libp2p (type-only imports included). */
function importsCore (file: string): boolean {
  return /\bfrom\s+'(@peerlink\/core|libp2p|@libp2p\/[^']+)'|import\s*\(\s*'@peerlink\/core'/.test(readFileSync(file, 'utf8'))
}

describe('the app\'s seams to core', () => {
  it('reaches core through one module per concern: <concern>/<concern>-api.ts', () => {
    const importers = sources(LIB).filter(importsCore).map(f => relative(LIB, f).replaceAll('\\', '/')).sort()
    expect(importers).toEqual([
      'calls/calls-api.ts',
      'chat/chat-api.ts',
      'files/files-api.ts',
      'session/session-api.ts',
      'settings/settings-api.ts'
    ])
  })
})
