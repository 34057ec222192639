import { createSocket } from 'node:dgram'
import { isIP, createServer } from 'node:net'
import type { RelayConfig } from './config.js'
import { HostUnavailableError, ListenFailedError, PortInUseError, PortNotPermittedError, RelayStartError, errnoCode, systemReason } from './errors.js'

/** One socket the relay listens on, and the settings that choose it. */
export interface ListenSetting {
  portFlag: string
  port: number
  hostFlag: string
  host: string
  protocol: 'tcp' | 'udp'
}

export function listenSettings (config: RelayConfig): Record<'ws' | 'webrtc' | 'tcp' | 'http', ListenSetting> {
  const libp2p = { hostFlag: '--host', host: config.host }
  return {
    ws: { ...libp2p, portFlag: '--ws-port', port: config.wsPort, protocol: 'tcp' },
    webrtc: { ...libp2p, portFlag: '--webrtc-port', port: config.webrtcPort, protocol: 'udp' },
    tcp: { ...libp2p, portFlag: '--tcp-port', port: config.tcpPort, protocol: 'tcp' },
    http: { hostFlag: '--http-host', host: config.httpHost, portFlag: '--http-port', port: config.httpPort, protocol: 'tcp' }
  }
}

/** The setting at fault for a failed listen (or bind) on `setting`. */
export function listenError (setting: ListenSetting, err: unknown): RelayStartError {
  const options = { cause: err }
  switch (errnoCode(err)) {
    case 'EADDRINUSE':
      return new PortInUseError(setting.portFlag, setting.port, options)
    case 'EACCES':
      return new PortNotPermittedError(setting.portFlag, setting.port, options)
    case 'EADDRNOTAVAIL':
      return new HostUnavailableError(setting.hostFlag, setting.host, 'not an address of this machine', options)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return new HostUnavailableError(setting.hostFlag, setting.host, 'host name not found', options)
    default:
      return new ListenFailedError(setting.portFlag, setting.port, systemReason(err), options)
  }
}

/**
 * Binds each listen address for a moment before libp2p starts, so that a taken
 * port or a host that is not ours fails with the setting named (libp2p
 * reports a failed WebRTC-direct listener without its cause). Port 0 checks
 * the host only.
 */
export async function checkListenable (config: RelayConfig): Promise<void> {
  for (const setting of Object.values(listenSettings(config))) {
    try {
      await bindOnce(setting)
    } catch (err) {
      throw listenError(setting, err)
    }
  }
}

async function bindOnce ({ protocol, host, port }: ListenSetting): Promise<void> {
  if (protocol === 'udp') {
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4')
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, host, () => { socket.off('error', reject); resolve() })
    })
    await new Promise<void>(resolve => { socket.close(resolve) })
    return
  }
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  await new Promise<void>(resolve => server.close(() => { resolve() }))
}

/**
 * The setting at fault when libp2p failed to start listening, if the error
 * says: its UnsupportedListenAddressesError lists each failed address with its
 * error; a WebRTC-direct listener that cannot bind its UDP socket fails with a
 * plain message.
 */
export function libp2pListenError (config: RelayConfig, err: unknown): RelayStartError | undefined {
  const settings = listenSettings(config)
  const message = err instanceof Error ? err.message : ''
  if (err instanceof Error && err.name === 'UnsupportedListenAddressesError') {
    for (const line of message.split('\n')) {
      const failed = /^\s*(\/\S+): (.*)$/.exec(line)
      if (failed == null) continue
      const [, addr = '', reason = ''] = failed
      const setting = addr.includes('/webrtc-direct') ? settings.webrtc : addr.includes('/ws') ? settings.ws : settings.tcp
      const code = /\b(E[A-Z_]+)\b/.exec(reason)?.[1]
      return listenError(setting, Object.assign(new Error(reason), { code }))
    }
  }
  if (message === 'Failed to register ICE UDP mux listener') {
    return new ListenFailedError('--webrtc-port', config.webrtcPort, `cannot bind UDP on ${config.host}`, { cause: err })
  }
  return undefined
}
