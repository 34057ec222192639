/** @peerlink/relay: the relay server, for embedding and tests. The CLI is main.ts. */
export { parseConfig, usage, ConfigError, OPTIONS, envName, type RelayConfig } from './config.js'
export { createRelay, type Relay, type RelayServices } from './relay.js'
export { startHttp } from './http.js'
