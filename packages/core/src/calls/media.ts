/**
 * Pure helpers for the media side of calls: video encoding per mesh size,
 * ICE server settings.
 */
import { InvalidIceServerError } from './errors.js'

/** Encoding limits for the video we send to each participant. */
export interface VideoEncoding {
  /** bits per second */
  maxBitrate: number
  /** 1 = full resolution, 2 = half width and height */
  scaleResolutionDownBy: number
  maxFramerate: number
}

/** Upload we allow for all outgoing video streams together, in bits per second. */
export const VIDEO_UPLOAD_BUDGET = 1_800_000
/** Bitrate of the one video stream of a two-person call (ample for the 640×360 the app captures). */
export const MAX_VIDEO_BITRATE = 1_000_000
/** Below this a stream is not worth sending in more detail. */
export const MIN_VIDEO_BITRATE = 100_000

/**
 * The encoding of each outgoing video stream when we send to `others`
 * participants: a full mesh sends one stream per participant, so the upload
 * budget is shared (1 Mb/s for one, 900 kb/s each for two, 450 kb/s each for
 * four, 360 kb/s each for five in a six-person call), and the resolution and
 * frame rate drop as the mesh grows so the encoder keeps up on a laptop.
 */
export function videoEncodingFor (others: number): VideoEncoding {
  const n = Math.max(1, Math.floor(others))
  const maxBitrate = Math.max(MIN_VIDEO_BITRATE, Math.min(MAX_VIDEO_BITRATE, Math.floor(VIDEO_UPLOAD_BUDGET / n)))
  return {
    maxBitrate,
    scaleResolutionDownBy: n <= 2 ? 1 : n <= 4 ? 1.5 : 2,
    maxFramerate: n <= 3 ? 24 : 15
  }
}

/** An ICE server as `RTCConfiguration.iceServers` takes it. */
export interface IceServer {
  urls: string
  username?: string
  credential?: string
}

const ICE_URL = /^(stun|stuns|turn|turns):[^\s?#]+(\?transport=(udp|tcp))?$/

/**
 * Reads ICE servers from settings text: one per line,
 * `stun:host[:port]` or `turn:host[:port][?transport=udp|tcp] username credential`
 * (`stuns:`/`turns:` for TLS). Blank lines and `#` comments are skipped.
 *
 * @throws {InvalidIceServerError} naming the first bad line
 */
export function parseIceServers (text: string): IceServer[] {
  const servers: IceServer[] = []
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const [url = '', username, credential, ...rest] = line.split(/\s+/)
    const where = `line ${i + 1} ("${line.length > 60 ? line.slice(0, 57) + '…' : line}")`
    if (!ICE_URL.test(url)) throw new InvalidIceServerError(`ICE server ${where}: expected stun:host[:port] or turn:host[:port] username credential`)
    if (rest.length > 0) throw new InvalidIceServerError(`ICE server ${where}: too many fields`)
    const turn = url.startsWith('turn')
    if (turn && (username == null || credential == null)) throw new InvalidIceServerError(`ICE server ${where}: a TURN server needs a username and a credential`)
    if (!turn && username != null) throw new InvalidIceServerError(`ICE server ${where}: a STUN server takes no credentials`)
    servers.push(turn ? { urls: url, username, credential } : { urls: url })
  }
  return servers
}
