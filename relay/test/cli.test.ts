import { describe, expect, it } from 'vitest'
import { runRelay, startRelay } from './support/relay-process.js'

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

  it('exits with status 2 when its port is taken', async () => {
    const first = await startRelay()
    try {
      const port = new URL(first.http).port
      const { code, stderr } = await runRelay(['--host', '127.0.0.1', '--ws-port', '0', '--webrtc-port', '0', '--tcp-port', '0', '--http-port', port, '--data-dir', `${first.dataDir}-2`])
      expect(code).toBe(2)
      expect(stderr).toMatch(/EADDRINUSE/)
    } finally {
      await first.stop()
    }
  })

  it('prints its options with --help', async () => {
    const { code, stdout } = await runRelay(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('--max-circuits-per-peer')
    expect(stdout).toContain('PEERLINK_RELAY_WS_PORT')
  })
})
