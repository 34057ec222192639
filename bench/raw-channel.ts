/**
 * Baseline: a raw RTCPeerConnection with one ordered, reliable RTCDataChannel
 * between the same two app pages, no ICE servers unless given (the NAT lab
 * gives the ones the relays advertise), SDP and ICE candidates (trickled, as
 * each page gathers them) passed through Playwright. The sender pushes
 * `size` bytes of random data in `chunk`-sized messages, pausing when
 * bufferedAmount exceeds `highWater` until `bufferedamountlow` (threshold
 * `lowWater`); the receiver only counts bytes. Timed from the first send()
 * to the receiver's last byte (both clocks are the machine's: timeOrigin + now()).
 */
import type { Page } from '@playwright/test'
import { cpuDelta, sampleChromiumCpu } from './support/cpu.ts'

export interface RawOptions {
  size: number
  chunk: number
  highWater: number
  lowWater: number
  /** ICE servers for both ends (none by default: on loopback host candidates suffice). */
  iceServers?: RTCIceServer[]
  /** Longest wait for the channel to open (60 s). */
  setupTimeoutMs?: number
}

/** After the channel opened: how long candidates still gathering are passed on (ICE may move to a better pair), unless both ends are done sooner. */
const TRICKLE_AFTER_OPEN_MS = 2_000

/** In a page: its local candidates gathered since the last call (waiting up to `waitMs` for one), whether gathering is complete and the channel open. */
async function takeCandidates (waitMs: number): Promise<{ candidates: RTCIceCandidateInit[], complete: boolean, open: boolean }> {
  const state = (window as BenchWindow).__benchRaw!
  const ice = state.ice!
  if (ice.queue.length === 0 && !ice.complete) {
    await new Promise<void>(resolve => {
      const done = (): void => { clearTimeout(timer); state.pc.removeEventListener('icecandidate', done); resolve() }
      const timer = setTimeout(done, waitMs)
      state.pc.addEventListener('icecandidate', done)
    })
  }
  return { candidates: ice.queue.splice(0), complete: ice.complete, open: state.dc?.readyState === 'open' }
}

/**
 * Trickle ICE through Playwright: passes each page's candidates to the other
 * as they are gathered until the sender's channel is open (and then for
 * TRICKLE_AFTER_OPEN_MS, or until both ends have gathered everything).
 * Waiting for complete gathering instead can take long: given the same TURN
 * server twice (two relays advertising one coturn), Chromium finishes
 * gathering about 40 s after its candidates are in.
 */
async function trickle (sender: Page, receiver: Page, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let openedAt: number | undefined
  for (;;) {
    const [fromSender, fromReceiver] = await Promise.all([sender.evaluate(takeCandidates, 100), receiver.evaluate(takeCandidates, 100)])
    const add = async (page: Page, candidates: RTCIceCandidateInit[]): Promise<void> => {
      if (candidates.length === 0) return
      await page.evaluate(async (candidates) => {
        const { pc } = (window as BenchWindow).__benchRaw!
        for (const c of candidates) await pc.addIceCandidate(c)
      }, candidates)
    }
    await Promise.all([add(receiver, fromSender.candidates), add(sender, fromReceiver.candidates)])
    if (fromSender.open) openedAt ??= Date.now()
    if (openedAt != null && ((fromSender.complete && fromReceiver.complete) || Date.now() - openedAt > TRICKLE_AFTER_OPEN_MS)) return
    if (Date.now() > deadline) throw new Error(`raw channel: not open ${timeoutMs} ms after the offer`)
  }
}

/** The selected ICE candidate pair of a connection (from getStats). */
export interface RawPath {
  /** 'host' | 'srflx' | 'prflx' | 'relay' on each end. */
  local: string
  remote: string
  /** The local candidate's transport ('udp' | 'tcp'). */
  protocol: string
  /** The transport to the TURN server when the local candidate is a relay one. */
  relayProtocol?: string
  localAddress: string
  remoteAddress: string
}

export interface RawResult {
  ms: number
  setupMs: number
  bytes: number
  /** Chromium's SCTP maximum message size as negotiated. */
  maxMessageSize: number | null
  /** The ICE candidate pair in use when the channel opened (types, local/remote address and protocol). */
  pair: string
  /** The sender's selected candidate pair when the channel opened, and after the last byte arrived (ICE may switch pairs). */
  path: RawPath | null
  pathAfter: RawPath | null
  /** CPU seconds of all Chromium processes during the send, and by process type. */
  cpuSeconds: number
  cpuByType: Record<string, number>
}

interface RawState {
  pc: RTCPeerConnection
  dc?: RTCDataChannel
  received?: Promise<{ bytes: number, at: number }>
  payload?: Uint8Array<ArrayBuffer>
  /** Local ICE candidates not yet handed to the other page, and whether gathering is complete. */
  ice?: { queue: RTCIceCandidateInit[], complete: boolean }
  /** Reads the selected candidate pair of `pc` (installed in the sender's page with the connection). */
  selectedPath?: (pc: RTCPeerConnection) => Promise<RawPath | null>
}

type BenchWindow = Window & { __benchRaw?: RawState }

/** Random bytes held in the sender page between runs (generated once, outside any timing). */
async function preparePayload (page: Page, size: number): Promise<void> {
  await page.evaluate((n) => {
    const w = window as BenchWindow
    const old = w.__benchRaw?.payload
    if (old?.byteLength === n) return
    const bytes = new Uint8Array(n)
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65536)))
    w.__benchRaw = { ...(w.__benchRaw ?? { pc: undefined as unknown as RTCPeerConnection }), payload: bytes }
  }, size)
}

/** One measured send from `sender` to `receiver` over a fresh peer connection. */
export async function measureRaw (sender: Page, receiver: Page, options: RawOptions): Promise<RawResult> {
  await preparePayload(sender, options.size)
  const t0 = Date.now()
  const iceServers = options.iceServers ?? []
  const offer = await sender.evaluate(async (iceServers) => {
    const w = window as BenchWindow
    const pc = new RTCPeerConnection({ iceServers })
    const dc = pc.createDataChannel('bench', { ordered: true })
    dc.binaryType = 'arraybuffer'
    const selectedPath = async (pc: RTCPeerConnection): Promise<RawPath | null> => {
      const stats = await pc.getStats()
      let pair: Record<string, unknown> | undefined
      stats.forEach((r: Record<string, unknown>) => {
        if (r.type === 'transport' && typeof r.selectedCandidatePairId === 'string') pair = stats.get(r.selectedCandidatePairId) as Record<string, unknown>
      })
      // older Chromium: the nominated, succeeded pair
      if (pair == null) stats.forEach((r: Record<string, unknown>) => { if (pair == null && r.type === 'candidate-pair' && r.state === 'succeeded' && r.nominated === true) pair = r })
      if (pair == null) return null
      const local = stats.get(pair.localCandidateId as string) as Record<string, string | number | undefined> | undefined
      const remote = stats.get(pair.remoteCandidateId as string) as Record<string, string | number | undefined> | undefined
      return {
        local: String(local?.candidateType ?? '?'),
        remote: String(remote?.candidateType ?? '?'),
        protocol: String(local?.protocol ?? '?'),
        ...(local?.relayProtocol != null ? { relayProtocol: String(local.relayProtocol) } : {}),
        localAddress: `${local?.address ?? '?'}:${local?.port ?? '?'}`,
        remoteAddress: `${remote?.address ?? '?'}:${remote?.port ?? '?'}`
      }
    }
    const ice: NonNullable<RawState['ice']> = { queue: [], complete: false }
    pc.addEventListener('icecandidate', (e) => { if (e.candidate == null) ice.complete = true; else ice.queue.push(e.candidate.toJSON()) })
    w.__benchRaw = { ...w.__benchRaw, pc, dc, selectedPath, ice }
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit
  }, iceServers)
  const answer = await receiver.evaluate(async ({ offer, size, iceServers }) => {
    const w = window as BenchWindow
    const pc = new RTCPeerConnection({ iceServers })
    const state: RawState = { pc }
    state.received = new Promise((resolve, reject) => {
      pc.addEventListener('datachannel', (event) => {
        const dc = event.channel
        dc.binaryType = 'arraybuffer'
        state.dc = dc
        let bytes = 0
        dc.addEventListener('message', (e: MessageEvent<ArrayBuffer>) => {
          bytes += e.data.byteLength
          if (bytes >= size) resolve({ bytes, at: performance.timeOrigin + performance.now() })
        })
        dc.addEventListener('close', () => { if (bytes < size) reject(new Error(`channel closed after ${bytes} bytes`)) })
      })
    })
    const ice: NonNullable<RawState['ice']> = { queue: [], complete: false }
    pc.addEventListener('icecandidate', (e) => { if (e.candidate == null) ice.complete = true; else ice.queue.push(e.candidate.toJSON()) })
    state.ice = ice
    w.__benchRaw = state
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit
  }, { offer, size: options.size, iceServers })
  await sender.evaluate(async (answer) => { await (window as BenchWindow).__benchRaw!.pc.setRemoteDescription(answer) }, answer)
  await trickle(sender, receiver, options.setupTimeoutMs ?? 60_000)
  const opened = await sender.evaluate(async () => {
    const { pc, selectedPath } = (window as BenchWindow).__benchRaw!
    return { maxMessageSize: pc.sctp?.maxMessageSize ?? null, path: await selectedPath!(pc) }
  })
  const setupMs = Date.now() - t0

  const cpuBefore = await sampleChromiumCpu()
  const received = receiver.evaluate(async () => (window as BenchWindow).__benchRaw!.received!)
  received.catch(() => {}) // awaited below; a failed send must not leave it unhandled
  const sent = await sender.evaluate(async ({ chunk, highWater, lowWater }) => {
    const { dc, payload } = (window as BenchWindow).__benchRaw!
    const channel = dc!
    const bytes = payload!
    channel.bufferedAmountLowThreshold = lowWater
    const start = performance.timeOrigin + performance.now()
    for (let offset = 0; offset < bytes.byteLength; offset += chunk) {
      if (channel.bufferedAmount > highWater) {
        await new Promise(resolve => { channel.addEventListener('bufferedamountlow', resolve, { once: true }) })
      }
      channel.send(bytes.subarray(offset, Math.min(bytes.byteLength, offset + chunk)))
    }
    return { start }
  }, options)
  const done = await received
  const { total: cpuSeconds, byType: cpuByType } = cpuDelta(cpuBefore, await sampleChromiumCpu())
  const pathAfter = await sender.evaluate(async () => {
    const { pc, selectedPath } = (window as BenchWindow).__benchRaw!
    return selectedPath!(pc)
  })
  await Promise.all([sender, receiver].map(async page => page.evaluate(() => {
    const state = (window as BenchWindow).__benchRaw
    state?.dc?.close()
    state?.pc.close()
  })))
  if (done.bytes !== options.size) throw new Error(`raw channel: received ${done.bytes} of ${options.size} bytes`)
  return {
    ms: done.at - sent.start,
    setupMs,
    bytes: done.bytes,
    maxMessageSize: opened.maxMessageSize,
    pair: describePath(opened.path),
    path: opened.path,
    pathAfter,
    cpuSeconds,
    cpuByType
  }
}

/** A candidate pair in a few words: `srflx udp 198.51.100.101:40000 -> srflx 198.51.100.102:40001`, `relay (tcp to TURN) …`. */
export function describePath (path: RawPath | null): string {
  if (path == null) return '?'
  const local = path.relayProtocol != null ? `${path.local} (${path.relayProtocol} to TURN)` : `${path.local} ${path.protocol}`
  return `${local} ${path.localAddress} -> ${path.remote} ${path.remoteAddress}`
}
