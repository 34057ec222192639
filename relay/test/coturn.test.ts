/**
 * The relay's TURN credentials against a real coturn (Debian's turnserver) in
 * shared-secret mode on 127.0.0.1: an Allocate with the username and
 * credential from /relay.json succeeds; the same with a tampered credential,
 * another secret's, or an expired username, is refused (401). Skipped when
 * turnserver is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { turnCredential } from '@peerlink/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort, startRelay, type RelayProcess } from './support/relay-process.js'
import { turnAllocate } from './support/turn-client.js'

const HAS_TURNSERVER = spawnSync('turnserver', ['--help'], { stdio: 'ignore' }).error == null
const SECRET = 'coturn-smoke-secret-7d2e'

describe.skipIf(!HAS_TURNSERVER)('relay TURN credentials accepted by coturn', () => {
  let turn: ChildProcess
  let turnPort: number
  let relay: RelayProcess
  let turnLog = ''

  beforeAll(async () => {
    turnPort = await freePort()
    const dir = await mkdtemp(join(tmpdir(), 'peerlink-coturn-'))
    turn = spawn('turnserver', ['-n', '-v', '--listening-ip=127.0.0.1', `--listening-port=${turnPort}`, '--relay-ip=127.0.0.1',
      '--use-auth-secret', `--static-auth-secret=${SECRET}`, '--realm=peerlink.test', '--no-cli', '--no-tls', '--no-dtls',
      '--log-file=stdout', '--min-port=49152', '--max-port=65535', `--pidfile=${join(dir, 'turn.pid')}`, `--userdb=${join(dir, 'turndb')}`],
    { stdio: ['ignore', 'pipe', 'pipe'] })
    await new Promise<void>((resolve, reject) => {
      const onData = (s: Buffer): void => {
        turnLog += s.toString()
        if (turnLog.includes(`UDP listener opened on: 127.0.0.1:${turnPort}`)) resolve()
      }
      turn.stdout?.on('data', onData)
      turn.stderr?.on('data', onData)
      turn.once('exit', code => { reject(new Error(`turnserver exited with ${String(code)}:\n${turnLog}`)) })
    })
    relay = await startRelay(['--turn-url', `turn:127.0.0.1:${turnPort}?transport=udp`, '--turn-ttl', '120000'], { env: { PEERLINK_TURN_SECRET: SECRET } })
  }, 60_000)

  afterAll(async () => {
    await relay?.stop()
    turn?.kill('SIGTERM')
  })

  const credentialFromRelay = async (): Promise<{ username: string, credential: string }> => {
    const body = await (await fetch(relay.infoUrl)).json() as { iceServers: Array<{ urls: string[], username: string, credential: string }> }
    const server = body.iceServers.find(s => s.urls.includes(`turn:127.0.0.1:${turnPort}?transport=udp`))
    if (server == null) throw new Error(`no TURN server in ${JSON.stringify(body)}`)
    return server
  }

  it('an Allocate with the credential from /relay.json succeeds', async () => {
    const { username, credential } = await credentialFromRelay()
    const result = await turnAllocate('127.0.0.1', turnPort, username, credential)
    expect(result, turnLog.slice(-2000)).toMatchObject({ ok: true })
    if (result.ok) expect(result.relayed).toMatch(/^127\.0\.0\.1:\d+$/)
  })

  it('a tampered credential, another secret\'s and an expired username are refused with 401', async () => {
    const { username, credential } = await credentialFromRelay()
    const tampered = `${credential.slice(0, -2)}${credential.endsWith('A=') ? 'B=' : 'A='}`
    expect(await turnAllocate('127.0.0.1', turnPort, username, tampered)).toMatchObject({ ok: false, code: 401 })
    const other = turnCredential(`${SECRET}-other`, 'x', 120)
    expect(await turnAllocate('127.0.0.1', turnPort, other.username, other.credential)).toMatchObject({ ok: false, code: 401 })
    // made with the right secret, but expired a minute ago
    const expired = turnCredential(SECRET, 'x', 60, Date.now() - 120_000)
    expect(await turnAllocate('127.0.0.1', turnPort, expired.username, expired.credential)).toMatchObject({ ok: false, code: 401 })
    // and the same name with a current expiry is accepted: the refusal above was the expiry
    const current = turnCredential(SECRET, 'x', 60)
    expect(await turnAllocate('127.0.0.1', turnPort, current.username, current.credential)).toMatchObject({ ok: true })
  })
})
