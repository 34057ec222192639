import { describe, expect, it } from 'vitest'
import { InvalidIceServerError } from '../../src/calls/errors.js'
import { MAX_VIDEO_BITRATE, MIN_VIDEO_BITRATE, parseIceServers, VIDEO_UPLOAD_BUDGET, videoEncodingFor } from '../../src/calls/media.js'

describe('video encoding per mesh size', () => {
  it('shares the upload budget between participants, never below the floor', () => {
    expect(videoEncodingFor(1)).toEqual({ maxBitrate: MAX_VIDEO_BITRATE, scaleResolutionDownBy: 1, maxFramerate: 24 })
    const rates = [1, 2, 3, 4, 5, 6, 7].map(n => videoEncodingFor(n).maxBitrate)
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeLessThanOrEqual(rates[i - 1]!)
    // a six-person call: five streams that together stay within the budget
    expect(videoEncodingFor(5).maxBitrate * 5).toBeLessThanOrEqual(VIDEO_UPLOAD_BUDGET)
    expect(videoEncodingFor(5).scaleResolutionDownBy).toBe(2)
    expect(videoEncodingFor(100).maxBitrate).toBe(MIN_VIDEO_BITRATE)
    expect(videoEncodingFor(0)).toEqual(videoEncodingFor(1))
  })
})

describe('ICE server settings', () => {
  it('reads STUN and TURN lines, skipping blanks and comments', () => {
    expect(parseIceServers('')).toEqual([])
    expect(parseIceServers('stun:stun.example.org:3478\n\n# ours\nturn:turn.example.org:3478?transport=udp alice s3cret\r\nturns:turn.example.org:5349 bob pw\n')).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      { urls: 'turn:turn.example.org:3478?transport=udp', username: 'alice', credential: 's3cret' },
      { urls: 'turns:turn.example.org:5349', username: 'bob', credential: 'pw' }
    ])
  })

  it('names the bad line', () => {
    expect(() => parseIceServers('stun:ok\nhttp://example.org')).toThrow(/line 2/)
    expect(() => parseIceServers('turn:turn.example.org')).toThrow(InvalidIceServerError)
    expect(() => parseIceServers('turn:turn.example.org alice')).toThrow(/username and a credential/)
    expect(() => parseIceServers('stun:stun.example.org alice pw')).toThrow(/no credentials/)
    expect(() => parseIceServers('turn:t.example.org a b c')).toThrow(/too many fields/)
    expect(() => parseIceServers('stun:')).toThrow(InvalidIceServerError)
  })
})
