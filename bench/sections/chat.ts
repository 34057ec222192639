/**
 * `--only chat`: chat latency, pages on two relays all in one room, 10
 * messages/s in all (bench/chat.ts). Imported only after
 * ../support/ts-imports.ts has run: bench/chat.ts links e2e helpers.
 */
import { loadavg } from 'node:os'
import { chatPlot, chatRows, measureChat, type ChatResult } from '../chat.ts'
import { onCleanUp } from '../support/cleanup.ts'
import { log } from '../support/log.ts'
import { writePlot } from '../support/results.ts'
import type { Loopback } from './section.ts'

export async function measureChatSection ({ options, results, browser, app }: Loopback): Promise<void> {
  const { chatSeconds, chatGraceMs } = options
  results.load.beforeChat = loadavg()
  const runs: ChatResult[] = []
  for (const pages of options.chatPages) {
    try {
      const chat = await measureChat(browser, {
        pages, rate: options.chatRate, seconds: chatSeconds, graceMs: chatGraceMs, appBase: app.url, timeoutMs: 120_000, meshMs: 30_000, log, onCleanUp
      })
      runs.push(chat)
      const l = chat.latency
      log(`chat ${pages}: send → render p50 ${l?.p50 ?? '—'} ms, p99 ${l?.p99 ?? '—'} ms, max ${l?.max ?? '—'} ms over ${chat.rendered} pairs; ` +
        `${chat.lost} of ${chat.pairs} not rendered; clocks within ${chat.clock.before.maxSkewMs}/${chat.clock.after.maxSkewMs} ms of Node's`)
      if (chat.notOnline.length > 0) results.skipped.push(`chat, ${pages} pages: members not seen online after 120 s: ${chat.notOnline.join(', ')}`)
      if (chat.lost > 0) results.skipped.push(`chat, ${pages} pages: ${chat.lost} of ${chat.pairs} (message, page) pairs not rendered within ${chatSeconds} + ${chatGraceMs / 1000} s`)
    } catch (err) {
      results.sectionFailed(`chat, ${pages} pages`, `chat ${pages} pages: send → render`, 'ms', err)
    }
  }
  results.rows.push(...chatRows(runs))
  if (runs.length >= 2) await writePlot(options.out, 'chat', chatPlot(runs))
  if (runs.length > 0) results.details.chat = runs
  results.load.afterChat = loadavg()
}
