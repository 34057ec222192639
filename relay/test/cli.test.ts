import { createSocket } from 'node:dgram'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runRelay } from './support/relay-process.js'

describe('relay CLI', () => {
  it.each([
    [['--ws-port', '99999'], /^peerlink-relay: --ws-port must be a port number from 0 to 65535 \(got "99999"\)/],
    [['--circuit-data-limit', 'lots'], /^peerlink-relay: --circuit-data-limit must be a whole number of bytes/],
    [['--unknown'], /^peerlink-relay: Unknown option '--unknown'/]
  ])('exits with status 2 and one line, no stack trace, for %j', async (args, message) => {
    const { code, stderr, stdout } = await runRelay(args)
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stdout).toBe('')
  })

  it('exits with status 2 when a bad value comes from an env var', async () => {
    const { code, stderr } = await runRelay([], { PEERLINK_RELAY_MAX_CONNECTIONS: '0' })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^peerlink-relay: PEERLINK_RELAY_MAX_CONNECTIONS must be a whole number of at least 1/)
  })

  describe('exits with status 2 and one line naming the setting, within seconds, when it cannot start', () => {
    const loopback = ['--host', '127.0.0.1', '--ws-port', '0', '--webrtc-port', '0', '--tcp-port', '0', '--http-port', '0']
    const expectStartFailure = async (args: string[], message: RegExp): Promise<void> => {
      const started = Date.now()
      const { code, stderr, stdout } = await runRelay(args)
      expect(Date.now() - started).toBeLessThan(8_000)
      expect(stderr.trim().split('\n'), stderr).toHaveLength(1)
      expect(stderr).toMatch(message)
      expect(code).toBe(2)
      expect(stdout).toBe('')
    }
    let held: Array<{ close: () => void }> = []
    afterEach(() => {
      for (const socket of held) socket.close()
      held = []
    })
    const holdTcpPort = async (): Promise<number> => {
      const server = createServer()
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
      held.push(server)
      return (server.address() as AddressInfo).port
    }
    const holdUdpPort = async (): Promise<number> => {
      const socket = createSocket('udp4')
      await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
      held.push(socket)
      return socket.address().port
    }
    const dataDir = async (): Promise<string> => mkdtemp(join(tmpdir(), 'peerlink-relay-cli-'))

    it.each(['ws-port', 'tcp-port', 'http-port'])('--%s taken by another TCP listener', async (flag) => {
      const port = await holdTcpPort()
      await expectStartFailure([...loopback, `--${flag}`, String(port), '--data-dir', await dataDir()],
        new RegExp(`^peerlink-relay: --${flag} ${port}: address already in use$`, 'm'))
    })

    it('--webrtc-port taken by another UDP socket', async () => {
      const port = await holdUdpPort()
      await expectStartFailure([...loopback, '--webrtc-port', String(port), '--data-dir', await dataDir()],
        new RegExp(`^peerlink-relay: --webrtc-port ${port}: address already in use$`, 'm'))
    })

    it('the same port for WebSockets and TCP (libp2p itself fails to listen)', async () => {
      const port = await holdTcpPort()
      held.pop()?.close()
      await expectStartFailure([...loopback, '--ws-port', String(port), '--tcp-port', String(port), '--data-dir', await dataDir()],
        new RegExp(`^peerlink-relay: --(ws|tcp)-port ${port}: address already in use$`, 'm'))
    })

    // 192.0.2.1 (TEST-NET-1) is on no interface here: binding it fails and sends nothing
    it('--host 192.0.2.1, not an address of this machine', async () => {
      await expectStartFailure([...loopback, '--host', '192.0.2.1', '--data-dir', await dataDir()],
        /^peerlink-relay: --host 192\.0\.2\.1: not an address of this machine$/m)
    })

    it('--host relay.example, a host name where an IP address is needed', async () => {
      await expectStartFailure([...loopback, '--host', 'relay.example', '--data-dir', await dataDir()],
        /^peerlink-relay: --host must be an IP address \(got "relay\.example"\)/m)
    })

    it('--http-host 192.0.2.1, not an address of this machine', async () => {
      await expectStartFailure([...loopback, '--http-host', '192.0.2.1', '--data-dir', await dataDir()],
        /^peerlink-relay: --http-host 192\.0\.2\.1: not an address of this machine$/m)
    })

    it('--data-dir that is a file', async () => {
      const file = join(await dataDir(), 'a-file')
      await writeFile(file, 'not a directory')
      await expectStartFailure([...loopback, '--data-dir', file],
        new RegExp(`^peerlink-relay: --data-dir ${file}: not a directory$`, 'm'))
    })

    it('--data-dir under a file', async () => {
      const file = join(await dataDir(), 'a-file')
      await writeFile(file, 'not a directory')
      await expectStartFailure([...loopback, '--data-dir', join(file, 'relay')],
        new RegExp(`^peerlink-relay: --data-dir ${file}/relay: not a directory$`, 'm'))
    })

    it('--data-dir /proc/nope, which cannot be created (Node\'s recursive mkdir loops there)', async () => {
      await expectStartFailure([...loopback, '--data-dir', '/proc/nope'],
        /^peerlink-relay: --data-dir \/proc\/nope: cannot mkdir \/proc\/nope: no such file or directory$/m)
    })

    it.each([
      ['text', Buffer.from('garbage\n')],
      ['an empty file', Buffer.alloc(0)],
      ['a truncated Ed25519 key', Buffer.from([8, 1, 18, 3, 1, 2, 3])]
    ])('a corrupt peer.key: %s', async (_, bytes) => {
      const dir = await dataDir()
      await writeFile(join(dir, 'peer.key'), bytes)
      await expectStartFailure([...loopback, '--data-dir', dir],
        new RegExp(`^peerlink-relay: --data-dir ${dir}: peer\\.key is corrupt \\(.+\\); move it away to create a new identity$`, 'm'))
    })
  })

  it('prints its options with --help', async () => {
    const { code, stdout } = await runRelay(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('--max-circuits-per-peer')
    expect(stdout).toContain('PEERLINK_RELAY_WS_PORT')
  })
})
