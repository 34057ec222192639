import type { IceServerStatus } from './settings-api.ts'

type IceServerState = IceServerStatus['state']

/** The short badge of an ICE server's state (the "ICE servers" list in Diagnostics). */
export const ICE_STATE_LABELS: Record<IceServerState, string> = {
  checking: 'checking…',
  ok: 'working',
  unchecked: 'not checked',
  unreachable: 'unreachable',
  'credentials-refused': 'credentials refused',
  expired: 'expired',
  failed: 'failed',
  malformed: 'malformed'
}

/** States that mean the server cannot be used as advertised. */
export function isIceFault (state: IceServerState): boolean {
  return state !== 'ok' && state !== 'checking' && state !== 'unchecked'
}

/**
 * An ICE server's state in words, naming the relay that advertised a malformed
 * entry; `undefined` when the badge says it all (working, checking).
 */
export function iceStateText (server: IceServerStatus): string | undefined {
  const detail = server.detail != null && server.detail !== '' ? server.detail : undefined
  switch (server.state) {
    case 'ok':
    case 'checking':
      return undefined
    case 'unchecked':
      return `not checked${detail != null ? `: ${detail}` : ''}`
    case 'unreachable':
      return `unreachable: no answer from this server${detail != null ? ` (${detail})` : ''}`
    case 'credentials-refused':
      return `refused the credentials (expired or wrong secret)${detail != null ? `: ${detail}` : ''}`
    case 'expired':
      return `the credentials expired${detail != null ? ` ${detail}` : ''}`
    case 'failed':
      return `failed${detail != null ? `: ${detail}` : ''}`
    case 'malformed':
      return `malformed entry in ${server.relay}${detail != null ? `: ${detail}` : ''}`
  }
}
