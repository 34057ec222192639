/**
 * The seam between the settings (relays, ICE servers, identity files) and
 * @peerlink/core: the settings classes import core from here only.
 */
export { APP_CONFIG_PATH, exportIdentity, IdbKeyStore, identityFileName, importIdentity, parseAppConfig, parseIceServers, parseRelayList, relaysFromUrl, RELAY_URL_PARAM } from '@peerlink/core'
export type { IceServer, IceServerStatus, RelayEntry } from '@peerlink/core'
