import { spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { descriptorWarning, DESCRIPTOR_HEADROOM, openFilesLimit } from '../src/limits.js'
import { RELAY_MAIN } from './support/relay-process.js'

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`

describe('descriptor limit', () => {
  it('reads the soft open-files limit of /proc/<pid>/limits', () => {
    expect(openFilesLimit(LIMITS)).toBe(1024)
    expect(openFilesLimit(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toBeUndefined()
    expect(openFilesLimit('')).toBeUndefined()
  })

  it('warns when the limit cannot hold --max-connections plus the headroom', () => {
    expect(descriptorWarning(1024, 2048)).toMatch(/open-files limit \(1024\) is below --max-connections \(2048\)/)
    expect(descriptorWarning(2048 + DESCRIPTOR_HEADROOM, 2048)).toBeUndefined()
    expect(descriptorWarning(undefined, 2048)).toBeUndefined()
  })

  it('the relay started with 1,024 descriptors and the default --max-connections says so in one line, and runs', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'peerlink-relay-'))
    const child = spawn('prlimit', ['--nofile=1024:1024', process.execPath, RELAY_MAIN,
      '--host', '127.0.0.1', '--ws-port', '0', '--webrtc-port', '0', '--tcp-port', '0', '--http-port', '0', '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
    const exited = new Promise(resolve => child.once('exit', resolve))
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s
        if (stdout.includes('peerlink-relay ready ')) resolve()
      })
      void exited.then(() => { reject(new Error(`relay exited:\n${stdout}\n${stderr}`)) })
    })
    child.kill('SIGTERM')
    await exited
    const warnings = stderr.split('\n').filter(l => l.includes('open-files limit'))
    expect(warnings).toEqual(['peerlink-relay: warning: the open-files limit (1024) is below --max-connections (2048) plus 256; raise it (ulimit -n, LimitNOFILE=, compose ulimits) or lower --max-connections'])
  }, 60_000)
})
