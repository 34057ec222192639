/** What stops the processes the bench started: run once at the end, or on Ctrl-C or a kill. */
import { log } from './log.ts'

const cleanups: Array<() => Promise<unknown>> = []
let cleaned: Promise<void> | undefined

async function runCleanups (): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch((err: unknown) => { log(`cleanup: ${String(err)}`) })
}

/** Stops the browser, the app server and the relay (once, however often called). */
export async function cleanUp (): Promise<void> {
  cleaned ??= runCleanups()
  return cleaned
}

/** Registers what stops a process the bench started; if it is already stopping, stops it at once. */
export function onCleanUp (cleanup: () => Promise<unknown>): void {
  cleanups.push(cleanup)
  if (cleaned != null) cleaned = cleaned.then(runCleanups)
}
