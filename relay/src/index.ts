/** @peerlink/relay: the relay server, for embedding and tests. The CLI is main.ts. */
export { parseConfig, usage, ConfigError, OPTIONS, envName, type RelayConfig } from './config.js'
export { createRelay, type Relay } from './relay.js'
export type { RelayServices } from './libp2p-options.js'
export { startHttp } from './http.js'
