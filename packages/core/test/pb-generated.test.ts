/**
 * The `.proto` files are the wire specification; the TypeScript next to each is
 * generated from it by protons (`pnpm -F @peerlink/core generate`). This test
 * generates every one again into a scratch folder and fails when a committed
 * file differs, so the spec and the code cannot drift apart.
 */
import { execFileSync } from 'node:child_process'
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const CORE = join(dirname(fileURLToPath(import.meta.url)), '..')
const PROTONS = join(CORE, 'node_modules/.bin/protons')

async function protoFiles (dir: string): Promise<string[]> {
  const found: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...await protoFiles(path))
    else if (entry.name.endsWith('.proto') && basename(dir) === 'pb') found.push(path)
  }
  return found
}

const scratch = await mkdtemp(join(tmpdir(), 'peerlink-pb-'))
afterAll(async () => { await rm(scratch, { recursive: true, force: true }) })
const protos = await protoFiles(join(CORE, 'src'))

describe('generated protobuf code', () => {
  it('every protocol has its .proto spec', () => {
    const folders = protos.map(p => relative(join(CORE, 'src'), p).split('/')[0]).sort()
    expect(new Set(folders)).toEqual(new Set(['calls', 'dm', 'files', 'rooms']))
  })

  // protons-runtime 7's bigint varint writer (uint64/int64 without jstype) writes wrong bytes for values
  // from 2^31 to 2^32 - 1; its number writer (jstype = JS_NUMBER) and fixed64/sint64 do not
  it.each(protos.map(p => [relative(CORE, p), p]))('%s has no uint64/int64 field written as a bigint', async (_name, proto) => {
    const text = await readFile(proto, 'utf8')
    const bad = text.split('\n').filter(line => /^\s*(optional\s+|repeated\s+)?u?int64\s/.test(line.replace(/\/\/.*$/, '')) && !line.includes('jstype = JS_NUMBER'))
    expect(bad).toEqual([])
  })

  it.each(protos.map(p => [relative(CORE, p), p]))('%s matches the committed .ts', async (_name, proto) => {
    const copy = join(scratch, relative(join(CORE, 'src'), proto).replaceAll('/', '_'))
    await copyFile(proto, copy)
    execFileSync(PROTONS, [copy], { stdio: 'pipe' })
    const generated = await readFile(copy.replace(/\.proto$/, '.ts'), 'utf8')
    const committed = await readFile(proto.replace(/\.proto$/, '.ts'), 'utf8')
    expect(committed).toBe(generated)
  })
})
