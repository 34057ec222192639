/** The bench's progress lines, and errors shortened for them and for the results. */

export function log (line: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`)
}

/** An error in a line or a few: Playwright appends its call log and the browser's output. */
export function brief (err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const message = err.message.split('\n').filter(l => l.trim() !== '' && !l.includes('[pid=')).slice(0, 4).join('\n')
  const at = (err.stack ?? '').split('\n').filter(l => l.trimStart().startsWith('at ')).slice(0, 3).join('\n')
  return `${message}\n${at}`
}
