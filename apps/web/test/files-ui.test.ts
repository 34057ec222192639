import { describe, expect, it } from 'vitest'
import { bytesText, mediaLengthText, peersText, percent, rateText, relayLimitText } from '../src/lib/files/file-format.ts'
import { fitted } from '../src/lib/files/thumbnail.ts'
import { parseRoute } from '../src/lib/shared/routes.ts'

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('file routes and texts', () => {
  it('routes #/f/<cid>/<key>[?p=…] to the file page, keeping the fragment for parseFileLink', () => {
    expect(parseRoute(`#/f/${CID}/abc?p=12D3KooWx`)).toEqual({ kind: 'file', fragment: `/f/${CID}/abc?p=12D3KooWx`, cid: CID })
    expect(parseRoute('#/f/')).toEqual({ kind: 'file', fragment: '/f/', cid: '' })
    expect(parseRoute('#/files')).toEqual({ kind: 'unknown', fragment: '/files' })
  })

  it('writes sizes, rates, peers and progress', () => {
    expect(bytesText(0)).toBe('0 B')
    expect(bytesText(999)).toBe('999 B')
    expect(bytesText(1500)).toBe('1.50 KB')
    expect(bytesText(32 * 1024 * 1024)).toBe('33.6 MB')
    expect(rateText(0)).toBe('')
    expect(rateText(2_500_000)).toBe('2.50 MB/s')
    expect(peersText(1)).toBe('1 peer')
    expect(peersText(2)).toBe('2 peers')
    expect(percent(50, 200)).toBe(25)
    expect(percent(5, undefined)).toBe(0)
  })

  it('writes a video\'s length as players do, and fits a picture into a preview\'s square without enlarging it', () => {
    expect([0, 2_930, 59_600, 754_000, 3_723_000].map(mediaLengthText)).toEqual(['0:00', '0:03', '1:00', '12:34', '1:02:03'])
    expect(fitted(4000, 3000)).toEqual({ width: 320, height: 240 })
    expect(fitted(1080, 1920)).toEqual({ width: 180, height: 320 })
    expect(fitted(100, 50)).toEqual({ width: 100, height: 50 })
    expect(fitted(65_535, 1)).toEqual({ width: 320, height: 1 })
  })

  it('says why a download stopped at a relay\'s limit, naming who it needs a direct connection to', () => {
    expect(relayLimitText({ limit: 1_048_576 }, ['Ann'])).toBe('No direct connection to Ann: the relay between you carries only 1.05 MB per connection, too little for the rest of this file. ' +
      'The download continues by itself once a direct connection opens, or press "Resume" to try again.')
    expect(relayLimitText({ limit: 1_048_576 }, ['Ann', 'Bob', 'Cy'])).toMatch(/^No direct connection to Ann, Bob or Cy: /)
  })
})
