/**
 * `pnpm bench`'s command line (see bench/run.ts for the options), read and
 * checked before anything starts: a bad value ends the process with code 2.
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseUploadLimit } from '../../apps/web/src/lib/files/upload-limit.ts'
import { ROOT } from './servers.ts'

export const MiB = 1024 * 1024

/** The sections `--only` takes, in the order they run. */
export const PARTS = ['raw', 'files', 'calls', 'play', 'lab', 'join', 'join-lab', 'relay', 'storm', 'swarm', 'chat']

export interface BenchOptions {
  runs: number
  /** Bytes per loopback transfer. */
  size: number
  only: Set<string>
  participants: number
  cpuWindowMs: number
  /** Bytes per raw data channel message. */
  chunk: number
  highWater: number
  profile: boolean
  labPairs: string[]
  labSize: number
  trials: number
  relayPeers: number[]
  stormPeers: number
  stormSignal: 'SIGTERM' | 'SIGKILL'
  swarmSize: number
  /** As given (lower case), for the seeder's `?upload-limit=`. */
  swarmSeederLimit: string
  swarmDownloaders: number[]
  chatPages: number[]
  chatRate: number
  chatSeconds: number
  chatGraceMs: number
  /** The results' JSON file; the plots and profiles are written beside it. */
  out: string
  /** The parts measured on one loopback (a relay, the app and one Chromium of their own; chat adds two relays of its own). */
  loopback: boolean
}

function fail (message: string): never {
  console.error(`bench: ${message}`)
  process.exit(2)
}

function positive (name: string, value: string): number {
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number (got "${value}")`)
  return n
}

const list = (name: string, value: string): number[] => value.split(',').map(s => Math.round(positive(name, s.trim())))

export function benchOptions (): BenchOptions {
  const { values: args } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      size: { type: 'string', default: '64' },
      only: { type: 'string', default: PARTS.join(',') },
      participants: { type: 'string', default: '4' },
      'cpu-window': { type: 'string', default: '20' },
      chunk: { type: 'string', default: '256' },
      'high-water': { type: 'string', default: '4' },
      profile: { type: 'boolean', default: false },
      'lab-pairs': { type: 'string', default: 'cone-cone,cone-symmetric' },
      'lab-size': { type: 'string', default: '16' },
      trials: { type: 'string', default: '10' },
      'relay-peers': { type: 'string', default: '1000,2000' },
      'storm-peers': { type: 'string', default: '2000' },
      'storm-signal': { type: 'string', default: 'SIGTERM' },
      'swarm-size': { type: 'string', default: '16' },
      'swarm-downloaders': { type: 'string', default: '1,2,4,8' },
      'swarm-seeder-limit': { type: 'string', default: '0' },
      'chat-pages': { type: 'string' },
      'chat-rate': { type: 'string', default: '10' },
      'chat-seconds': { type: 'string', default: '30' },
      'chat-grace': { type: 'string', default: '10' },
      full: { type: 'boolean', default: false },
      out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') }
    }
  })
  const runs = Math.round(positive('runs', args.runs))
  const size = Math.round(positive('size', args.size) * MiB)
  const only = new Set(args.only.split(',').map(s => s.trim()))
  const participants = Math.round(positive('participants', args.participants))
  const cpuWindowMs = positive('cpu-window', args['cpu-window']) * 1000
  const chunk = Math.round(positive('chunk', args.chunk) * 1024)
  const highWater = Math.round(positive('high-water', args['high-water']) * MiB)
  const labSize = Math.round(positive('lab-size', args['lab-size']) * MiB)
  const labPairs = args['lab-pairs'].split(',').map(s => s.trim()).filter(s => s !== '')
  const trials = Math.round(positive('trials', args.trials))
  const relayPeers = list('relay-peers', args['relay-peers'])
  const stormPeers = Math.round(positive('storm-peers', args['storm-peers']))
  const stormSignal = args['storm-signal']
  if (stormSignal !== 'SIGTERM' && stormSignal !== 'SIGKILL') fail(`--storm-signal is SIGTERM or SIGKILL (got "${stormSignal}")`)
  const swarmSize = Math.round(positive('swarm-size', args['swarm-size']) * MiB)
  // passed on as the seeder's ?upload-limit=, so checked by the app's own parser
  const swarmSeederLimit = args['swarm-seeder-limit'].trim().toLowerCase()
  if (parseUploadLimit(swarmSeederLimit) == null) {
    fail(`--swarm-seeder-limit is bytes per second, with k or m (e.g. 500k; 0 for none; got "${args['swarm-seeder-limit']}")`)
  }
  const swarmDownloaders = list('swarm-downloaders', args['swarm-downloaders'])
  const chatPages = list('chat-pages', args['chat-pages'] ?? (args.full ? '6,12' : '6'))
  if (chatPages.some(n => n < 2)) fail('--chat-pages takes 2 pages or more')
  const chatRate = positive('chat-rate', args['chat-rate'])
  const chatSeconds = positive('chat-seconds', args['chat-seconds'])
  const chatGraceMs = positive('chat-grace', args['chat-grace']) * 1000
  for (const part of only) {
    if (!PARTS.includes(part)) fail(`--only takes ${PARTS.join(', ')} (got "${part}")`)
  }
  return {
    runs, size, only, participants, cpuWindowMs, chunk, highWater, profile: args.profile, labPairs, labSize, trials, relayPeers, stormPeers, stormSignal,
    swarmSize, swarmSeederLimit, swarmDownloaders, chatPages, chatRate, chatSeconds, chatGraceMs, out: args.out,
    loopback: ['raw', 'files', 'calls', 'play', 'join', 'swarm', 'chat'].some(part => only.has(part))
  }
}
