#!/usr/bin/env node
/**
 * `pnpm bench`: Peerlink's file transfer against a raw RTCDataChannel between
 * the same two Chromium pages in the same run, call figures, how long
 * joining a room takes (bench/join.ts), one file to many browsers at once
 * (bench/swarm.ts) and chat latency across many pages (bench/chat.ts). Starts a
 * real relay, the built app (vite preview, a snapshot of apps/web/dist) and
 * Debian's Chromium; prints a table and writes bench/results/latest.json.
 * Builds nothing (`pnpm bench` runs `pnpm build` first). Run it inside a
 * loopback-only network namespace: `scripts/isolated pnpm bench`.
 * See docs/benchmarks.md. This file is the entry: the command line is read by
 * support/options.ts, each section's glue is in sections/, the table and the
 * JSON file are written by support/report.ts.
 *
 * Options: --runs N (3), --size MiB (64), --only raw,files,calls,play,lab,join,join-lab,relay,storm,swarm,chat
 * (all by default; lab and join-lab, in the NAT lab of e2e/lab, only inside scripts/isolated), --participants N (4), --cpu-window s (20),
 * --chunk KiB (256), --high-water MiB (4), --out <file>, --profile (one
 * extra, unmeasured file transfer with V8 CPU profiles of A and B, saved
 * beside --out), --lab-pairs (cone-cone,cone-symmetric), --lab-size MiB (16),
 * --trials N (10: rooms joined by a fresh Bob, for join and join-lab), --relay-peers
 * (1000,2000: the reserved peers of each relay-capacity step; bench/relay-capacity/),
 * --storm-peers N (2000: peers holding reservations when the relay restarts, for storm),
 * --storm-signal SIGTERM|SIGKILL (SIGTERM), --swarm-size MiB (16: the file of each swarm round),
 * --swarm-downloaders (1,2,4,8: the downloaders of each round, starting together), --swarm-seeder-limit
 * (0: the seeder's upload limit, bytes per second with k or m, as the app's ?upload-limit=), --chat-pages
 * (6, or 6,12 with --full: the room's pages, half on each of two relays; one measurement per value),
 * --chat-rate (10: messages per second, all pages together), --chat-seconds (30: the sending window),
 * --chat-grace (10: seconds after the window a message may still arrive), --full.
 */
// first: lets the NAT lab's modules (e2e/lab, imported by bench/lab.ts) resolve their `.js` imports
import './support/ts-imports.ts'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { measureLoopback } from './sections/loopback.ts'
import { measureRelay, measureStorm } from './sections/relay.ts'
import { cleanUp } from './support/cleanup.ts'
import { brief, log } from './support/log.ts'
import { benchOptions } from './support/options.ts'
import { report } from './support/report.ts'
import { Results } from './support/results.ts'
import { ROOT, stopChildrenOnExit } from './support/servers.ts'

const options = benchOptions()
const { only } = options
// the sections that link e2e modules are imported only when asked for, after ./support/ts-imports.ts has run
// (a static import would link them before it)
const natLab = only.has('lab') ? await import('./sections/nat-lab.ts') : undefined
natLab?.checkLabPairs(options.labPairs)
const parts = {
  join: only.has('join') || only.has('join-lab') ? await import('./sections/join.ts') : undefined,
  calls: only.has('calls') ? await import('./sections/calls.ts') : undefined,
  swarm: only.has('swarm') ? await import('./sections/swarm.ts') : undefined,
  chat: only.has('chat') ? await import('./sections/chat.ts') : undefined
}

for (const built of ['relay/dist/main.js', 'apps/web/dist/index.html']) {
  if (!existsSync(join(ROOT, built))) {
    console.error(`bench: ${built} is missing: run \`pnpm build\` first (\`pnpm bench\` does)`)
    process.exit(2)
  }
}
if (process.env.PEERLINK_ISOLATED !== '1') {
  log('note: not inside a loopback-only network namespace (scripts/isolated pnpm bench): ICE may also use other interfaces')
}

const results = new Results()
stopChildrenOnExit()
process.on('unhandledRejection', (err) => { log(`unhandled: ${brief(err)}`) })
// Ctrl-C or a kill: the same clean-up, then leave without results
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`)
    void cleanUp().then(() => process.exit(130))
  })
}

try {
  if (options.loopback) await measureLoopback(options, results, parts)
  if (natLab != null) await natLab.measureNatLab(options, results)
  if (only.has('join-lab')) await parts.join?.measureJoinInLab(options, results)
  if (only.has('relay')) await measureRelay(options, results)
  if (only.has('storm')) await measureStorm(options, results)
} catch (err) {
  results.failed = true
  console.error(`bench failed: ${brief(err)}`)
} finally {
  await cleanUp()
}

results.load.end = loadavg()
await report(options, results, natLab?.TARGET_RATIO)
process.exitCode = results.failed ? 1 : 0
