import { describe, expect, it } from 'vitest'
import { ICE_STATE_LABELS, iceStateText, isIceFault } from '../src/lib/settings/ice-format.ts'
import type { IceServerStatus } from '../src/lib/settings/settings-api.ts'

const relay = 'https://relay.example/relay.json'
const at = 0

describe('ICE server states in words', () => {
  it('names the fault, and the relay of a malformed entry', () => {
    expect(iceStateText({ relay, url: 'turn:h:3478', state: 'credentials-refused', errorCode: 401, detail: '401 Unauthorized.', at }))
      .toBe('refused the credentials (expired or wrong secret): 401 Unauthorized.')
    expect(iceStateText({ relay, url: 'turn:h:3478', state: 'unreachable', detail: '701 TURN allocate request timed out.', at }))
      .toBe('unreachable: no answer from this server (701 TURN allocate request timed out.)')
    expect(iceStateText({ relay, state: 'malformed', detail: 'iceServers[0]: has no urls', at }))
      .toBe(`malformed entry in ${relay}: iceServers[0]: has no urls`)
    expect(iceStateText({ relay, url: 'turn:h:3478', state: 'expired', detail: 'already at 2026-01-01T00:00:00.000Z by this device\'s clock: the relay\'s clock or this one is wrong', at }))
      .toBe('the credentials expired already at 2026-01-01T00:00:00.000Z by this device\'s clock: the relay\'s clock or this one is wrong')
  })

  it('a working or pending server needs no sentence; only faults are faults', () => {
    const ok: IceServerStatus = { relay, url: 'stun:h', state: 'ok', at }
    expect(iceStateText(ok)).toBeUndefined()
    expect(ICE_STATE_LABELS.ok).toBe('working')
    expect(['ok', 'checking', 'unchecked'].map(s => isIceFault(s as IceServerStatus['state']))).toEqual([false, false, false])
    expect(['unreachable', 'credentials-refused', 'expired', 'failed', 'malformed'].map(s => isIceFault(s as IceServerStatus['state']))).toEqual([true, true, true, true, true])
  })
})
