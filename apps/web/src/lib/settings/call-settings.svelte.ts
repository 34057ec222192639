import { parseIceServers, type IceServer } from './settings-api.ts'
import { del, get, set } from 'idb-keyval'
import { errorMessage } from '../shared/errors.ts'

/** idb-keyval keys of the call settings. */
export const ICE_SERVERS_DB_KEY = 'peerlink:ice-servers'
export const CAMERA_DB_KEY = 'peerlink:camera-device'
export const MICROPHONE_DB_KEY = 'peerlink:microphone-device'

/**
 * The user's saved ICE servers (none when unset, invalid or IndexedDB is
 * unavailable). When set they win over those the relays advertise, for calls
 * and for the peer's own WebRTC connections (from its next start).
 */
export async function savedIceServers (): Promise<IceServer[]> {
  try {
    const text: unknown = await get(ICE_SERVERS_DB_KEY)
    return typeof text === 'string' ? parseIceServers(text) : []
  } catch {
    return []
  }
}

/**
 * Call settings, kept in IndexedDB: the ICE servers of calls (by default
 * those the relays advertise in /relay.json; with none advertised, none: a
 * LAN or loopback needs none, and no third party then learns our addresses)
 * and the chosen camera and microphone.
 */
export class CallSettings {
  /** The saved ICE server lines (one per line). */
  iceText = $state('')
  /** The textarea's content. */
  iceDraft = $state('')
  iceError = $state<string>()
  iceMessage = $state<string>()
  /** Chosen devices ('' = the browser's default). */
  cameraId = $state('')
  microphoneId = $state('')
  readonly loaded: Promise<void>

  constructor () {
    this.loaded = this.#load()
  }

  /** The ICE servers in effect (the saved ones; they were valid when saved). */
  get iceServers (): IceServer[] {
    try {
      return parseIceServers(this.iceText)
    } catch {
      return []
    }
  }

  get iceDirty (): boolean {
    return this.iceDraft.trim() !== this.iceText.trim()
  }

  /** Saves the ICE servers when every line is valid; used by calls joined from now on. */
  async saveIce (): Promise<void> {
    this.iceMessage = undefined
    try {
      parseIceServers(this.iceDraft)
    } catch (err) {
      this.iceError = errorMessage(err)
      return
    }
    this.iceError = undefined
    const text = this.iceDraft.trim()
    try {
      if (text === '') await del(ICE_SERVERS_DB_KEY)
      else await set(ICE_SERVERS_DB_KEY, text)
      this.iceText = text
      this.iceMessage = text === '' ? 'No ICE servers of your own: calls use those your relays offer, if any, else direct addresses only.' : 'Saved. Used by calls from now on (and by other connections after a restart).'
    } catch (err) {
      this.iceError = `Could not save: ${errorMessage(err)}`
    }
  }

  async setCamera (deviceId: string): Promise<void> {
    this.cameraId = deviceId
    await this.#store(CAMERA_DB_KEY, deviceId)
  }

  async setMicrophone (deviceId: string): Promise<void> {
    this.microphoneId = deviceId
    await this.#store(MICROPHONE_DB_KEY, deviceId)
  }

  async #store (key: string, value: string): Promise<void> {
    try {
      if (value === '') await del(key)
      else await set(key, value)
    } catch {
      // the choice still applies to this page
    }
  }

  async #load (): Promise<void> {
    try {
      const [ice, camera, microphone] = await Promise.all([get(ICE_SERVERS_DB_KEY), get(CAMERA_DB_KEY), get(MICROPHONE_DB_KEY)]) as unknown[]
      if (typeof ice === 'string') this.iceText = this.iceDraft = ice
      if (typeof camera === 'string') this.cameraId = camera
      if (typeof microphone === 'string') this.microphoneId = microphone
    } catch {
      // IndexedDB unavailable: defaults
    }
  }
}
