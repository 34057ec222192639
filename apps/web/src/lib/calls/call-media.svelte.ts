/**
 * Our side of a call's media: the microphone, the camera and a shared
 * screen, as tracks the peer connections send. Devices can be switched and
 * the camera turned off (released) and on again while the call runs.
 */
import { errorMessage } from '../shared/errors.ts'
import type { CallSettings } from '../settings/call-settings.svelte.ts'

export interface DeviceChoice {
  deviceId: string
  label: string
}

/** Which of our tracks changed: the peer connections replace what they send. */
export type TrackChange = 'audio' | 'video'

export class LocalMedia {
  /** The stream our tracks are sent in (remote sides group the tracks by it). */
  readonly stream = new MediaStream()
  audioTrack = $state.raw<MediaStreamTrack>()
  cameraTrack = $state.raw<MediaStreamTrack>()
  screenTrack = $state.raw<MediaStreamTrack>()
  muted = $state(false)
  cameras = $state.raw<DeviceChoice[]>([])
  microphones = $state.raw<DeviceChoice[]>([])
  /** Why a device is missing or a switch failed, for the user. */
  notice = $state<string>()
  readonly #onDeviceChange = (): void => { void this.listDevices() }
  #stopped = false

  constructor (private readonly settings: CallSettings, private readonly onChange: (change: TrackChange) => void) {}

  /** The video we send: the shared screen, else the camera (undefined when the camera is off). */
  get videoTrack (): MediaStreamTrack | undefined {
    return this.screenTrack ?? this.cameraTrack
  }

  get cameraOn (): boolean {
    return this.cameraTrack != null
  }

  get sharing (): boolean {
    return this.screenTrack != null
  }

  /** What we send, as the other participants are told. */
  get state (): { audio: boolean, video: boolean, screen: boolean } {
    return { audio: this.audioTrack != null && !this.muted, video: this.videoTrack != null, screen: this.sharing }
  }

  /**
   * Opens the chosen microphone and camera (the browser's defaults when none
   * is chosen or the chosen one is gone). Joins without what it cannot get:
   * a call with no camera or no microphone still shows and plays the others.
   */
  async open (): Promise<void> {
    const audio = await this.#capture('audio', this.settings.microphoneId)
    const video = await this.#capture('video', this.settings.cameraId)
    this.#setAudio(audio)
    this.cameraTrack = video
    this.#syncStream()
    navigator.mediaDevices?.addEventListener('devicechange', this.#onDeviceChange)
    await this.listDevices()
  }

  async listDevices (): Promise<void> {
    try {
      const devices = await navigator.mediaDevices.enumerateDevices()
      const choices = (kind: MediaDeviceKind, what: string): DeviceChoice[] => devices
        .filter(d => d.kind === kind && d.deviceId !== '')
        .map((d, i) => ({ deviceId: d.deviceId, label: d.label !== '' ? d.label : `${what} ${i + 1}` }))
      this.cameras = choices('videoinput', 'Camera')
      this.microphones = choices('audioinput', 'Microphone')
    } catch {
      this.cameras = []
      this.microphones = []
    }
  }

  setMuted (muted: boolean): void {
    this.muted = muted
    // a disabled track sends silence: the connection stays as it is
    if (this.audioTrack != null) this.audioTrack.enabled = !muted
  }

  /** Turns the camera off (releasing it) or on again. */
  async setCamera (on: boolean): Promise<void> {
    if (on === this.cameraOn) return
    if (!on) {
      this.cameraTrack?.stop()
      this.cameraTrack = undefined
    } else {
      const track = await this.#capture('video', this.settings.cameraId)
      if (track == null) return
      this.cameraTrack = track
      this.notice = undefined
    }
    this.#syncStream()
    if (!this.sharing) this.onChange('video')
  }

  /** Switches to another camera (taking effect at once when the camera is on). */
  async chooseCamera (deviceId: string): Promise<void> {
    await this.settings.setCamera(deviceId)
    if (!this.cameraOn) return
    const track = await this.#capture('video', deviceId)
    if (track == null) return
    this.cameraTrack?.stop()
    this.cameraTrack = track
    this.#syncStream()
    if (!this.sharing) this.onChange('video')
  }

  /** Switches to another microphone (keeping mute as it is). */
  async chooseMicrophone (deviceId: string): Promise<void> {
    await this.settings.setMicrophone(deviceId)
    const track = await this.#capture('audio', deviceId)
    if (track == null) return
    this.#setAudio(track)
    this.#syncStream()
    this.onChange('audio')
  }

  /** Shares a screen or window instead of the camera, until stopped (or the browser's own stop). */
  async shareScreen (): Promise<void> {
    if (this.sharing) return
    let stream: MediaStream
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false })
    } catch (err) {
      if ((err as Error).name !== 'NotAllowedError') this.notice = `Could not share the screen: ${errorMessage(err)}`
      return
    }
    const track = stream.getVideoTracks()[0]
    if (track == null) return
    if (this.#stopped) {
      track.stop()
      return
    }
    track.addEventListener('ended', () => { void this.stopSharing() }, { once: true })
    this.screenTrack = track
    this.#syncStream()
    this.onChange('video')
  }

  async stopSharing (): Promise<void> {
    if (!this.sharing) return
    this.screenTrack?.stop()
    this.screenTrack = undefined
    this.#syncStream()
    this.onChange('video')
  }

  /** Stops every track (the camera light goes off). */
  stop (): void {
    this.#stopped = true
    navigator.mediaDevices?.removeEventListener('devicechange', this.#onDeviceChange)
    for (const track of [this.audioTrack, this.cameraTrack, this.screenTrack]) track?.stop()
    this.audioTrack = this.cameraTrack = this.screenTrack = undefined
    this.#syncStream()
  }

  #setAudio (track: MediaStreamTrack | undefined): void {
    this.audioTrack?.stop()
    if (track != null) track.enabled = !this.muted
    this.audioTrack = track
  }

  /** Keeps `stream` holding exactly the tracks we send. */
  #syncStream (): void {
    const want = [this.audioTrack, this.videoTrack].filter(t => t != null)
    for (const track of this.stream.getTracks()) if (!want.includes(track)) this.stream.removeTrack(track)
    for (const track of want) if (!this.stream.getTracks().includes(track)) this.stream.addTrack(track)
  }

  async #capture (kind: 'audio' | 'video', deviceId: string): Promise<MediaStreamTrack | undefined> {
    const constraints = (exact: boolean): MediaStreamConstraints => {
      const device: MediaTrackConstraints = exact && deviceId !== '' ? { deviceId: { exact: deviceId } } : {}
      return kind === 'audio'
        ? { audio: { ...device, echoCancellation: true, noiseSuppression: true } }
        // 640×360 is plenty for a tile in a grid, and keeps a mesh of six within a laptop's encoder
        : { video: { ...device, width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } } }
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints(true))
      return kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0]
    } catch (err) {
      // the chosen device may be gone: try the default before giving up
      if (deviceId !== '' && (err as Error).name === 'OverconstrainedError') {
        try {
          const stream = await navigator.mediaDevices.getUserMedia(constraints(false))
          return kind === 'audio' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0]
        } catch {
          // reported below
        }
      }
      this.notice = `Could not use the ${kind === 'audio' ? 'microphone' : 'camera'}: ${errorMessage(err)}`
      return undefined
    }
  }
}
