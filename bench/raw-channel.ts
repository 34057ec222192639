/**
 * Baseline: a raw RTCPeerConnection with one ordered, reliable RTCDataChannel
 * between the same two app pages, no ICE servers, SDP (with its candidates,
 * after gathering completes) passed through Playwright. The sender pushes
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
}

export interface RawResult {
  ms: number
  setupMs: number
  bytes: number
  /** Chromium's SCTP maximum message size as negotiated. */
  maxMessageSize: number | null
  /** The ICE candidate pair in use (local/remote address and protocol). */
  pair: string
  /** CPU seconds of all Chromium processes during the send, and by process type. */
  cpuSeconds: number
  cpuByType: Record<string, number>
}

interface RawState {
  pc: RTCPeerConnection
  dc?: RTCDataChannel
  received?: Promise<{ bytes: number, at: number }>
  payload?: Uint8Array<ArrayBuffer>
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
  const offer = await sender.evaluate(async () => {
    const w = window as BenchWindow
    const pc = new RTCPeerConnection({ iceServers: [] })
    const dc = pc.createDataChannel('bench', { ordered: true })
    dc.binaryType = 'arraybuffer'
    w.__benchRaw = { ...w.__benchRaw, pc, dc }
    await pc.setLocalDescription(await pc.createOffer())
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>(resolve => {
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() })
      })
    }
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit
  })
  const answer = await receiver.evaluate(async ({ offer, size }) => {
    const w = window as BenchWindow
    const pc = new RTCPeerConnection({ iceServers: [] })
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
    w.__benchRaw = state
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>(resolve => {
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') resolve() })
      })
    }
    return pc.localDescription!.toJSON() as RTCSessionDescriptionInit
  }, { offer, size: options.size })
  const opened = await sender.evaluate(async (answer) => {
    const { pc, dc } = (window as BenchWindow).__benchRaw!
    await pc.setRemoteDescription(answer)
    if (dc!.readyState !== 'open') {
      await new Promise((resolve, reject) => {
        dc!.addEventListener('open', resolve, { once: true })
        dc!.addEventListener('error', reject, { once: true })
      })
    }
    let pair = ''
    const stats = await pc.getStats()
    stats.forEach((s: { type: string, selected?: boolean, state?: string, nominated?: boolean, localCandidateId?: string, remoteCandidateId?: string }) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true && pair === '') {
        const local = stats.get(s.localCandidateId ?? '') as { address?: string, port?: number, protocol?: string } | undefined
        const remote = stats.get(s.remoteCandidateId ?? '') as { address?: string, port?: number } | undefined
        pair = `${local?.protocol ?? '?'} ${local?.address ?? '?'}:${local?.port ?? '?'} -> ${remote?.address ?? '?'}:${remote?.port ?? '?'}`
      }
    })
    return { maxMessageSize: pc.sctp?.maxMessageSize ?? null, pair }
  }, answer)
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
  await Promise.all([sender, receiver].map(async page => page.evaluate(() => {
    const state = (window as BenchWindow).__benchRaw
    state?.dc?.close()
    state?.pc.close()
  })))
  if (done.bytes !== options.size) throw new Error(`raw channel: received ${done.bytes} of ${options.size} bytes`)
  return { ms: done.at - sent.start, setupMs, bytes: done.bytes, ...opened, cpuSeconds, cpuByType }
}
