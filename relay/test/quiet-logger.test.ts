import { disable, enable } from '@libp2p/logger'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { quietLogger } from '../src/quiet-logger.js'

describe('quietLogger', () => {
  const before = process.env.DEBUG
  afterEach(() => { if (before != null) enable(before); else disable() })

  it('gives a component whose namespaces are all off a logger that writes nothing, nor do its scopes', () => {
    disable()
    const write = vi.spyOn(process.stderr, 'write')
    try {
      const log = quietLogger().forComponent('peerlink:test:quiet')
      const scoped = log.newScope('stream:1')
      log('a'); log.error('b'); log.trace('c'); scoped('d'); scoped.error('e')
      expect([log.enabled, scoped.enabled]).toEqual([false, false])
      expect(write).not.toHaveBeenCalled()
    } finally {
      write.mockRestore()
    }
  })

  it('gives an enabled component, its error namespace alone, or a scope enabled below a quiet parent libp2p\'s logger', () => {
    enable('peerlink:test:loud,peerlink:test:errors:error,peerlink:test:parent:stream*')
    const logger = quietLogger()
    expect(logger.forComponent('peerlink:test:loud').enabled).toBe(true)
    const errors = logger.forComponent('peerlink:test:errors')
    expect([errors.enabled, (errors.error as unknown as { enabled: boolean }).enabled]).toEqual([false, true])
    const parent = logger.forComponent('peerlink:test:parent')
    expect(parent.enabled).toBe(false)
    expect(parent.newScope('stream:7').enabled).toBe(true)
    expect(parent.newScope('other').enabled).toBe(false)
  })
})
