/**
 * Saving a file to disk without holding it in memory: with the File System
 * Access API, plaintext chunks are written one by one into the file the user
 * picked (while it downloads: see core's `files.save`); elsewhere the browser
 * downloads the service worker's stream (`files/<cid>/<name>?download=1`, an
 * attachment).
 */
import type { FileSink } from './files-api.ts'

interface SaveFilePickerOptions {
  suggestedName?: string
  types?: Array<{ description?: string, accept: Record<string, string[]> }>
}

type ShowSaveFilePicker = (options?: SaveFilePickerOptions) => Promise<FileSystemFileHandle>

function picker (win: Window): ShowSaveFilePicker | undefined {
  const fn = (win as Window & { showSaveFilePicker?: ShowSaveFilePicker }).showSaveFilePicker
  return typeof fn === 'function' ? fn.bind(win) : undefined
}

/** Whether files are saved through the File System Access API here. */
export function canPickSaveFile (win: Window = window): boolean {
  return picker(win) != null
}

/**
 * Asks where to save (call it synchronously from the click: the picker needs
 * the user's activation). Resolves with undefined if the user closes the picker.
 */
export async function pickSaveFile (name: string, win: Window = window): Promise<FileSystemFileHandle | undefined> {
  const show = picker(win)
  if (show == null) throw new Error('This browser cannot pick where to save a file.')
  try {
    return await show({ suggestedName: name })
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return undefined
    throw err
  }
}

/**
 * Opens the picked file for writing and hands its writer to `write`, which
 * writes the file in order, then closes the writer, or aborts it on failure
 * (the picked file then keeps nothing of what was written).
 */
export async function writeToHandle (handle: FileSystemFileHandle, write: (sink: FileSink) => Promise<void>): Promise<void> {
  const writer = (await handle.createWritable()).getWriter()
  try {
    await write(writer)
  } catch (err) {
    await writer.abort(err).catch(() => {})
    throw err
  }
}

/**
 * Has the browser download `href` (a files-route address answered with
 * `Content-Disposition: attachment`) through a hidden frame. Not an
 * `<a download>` click: Chromium sends those past the service worker
 * (crbug.com/40410035), to the server, which has no such file.
 */
export function downloadInFrame (href: string, doc: Document = document): void {
  const frame = doc.createElement('iframe')
  frame.hidden = true
  frame.title = 'download'
  frame.src = href
  doc.body.append(frame)
  // the download outlives the frame once it has started; the frame goes after a while
  setTimeout(() => { frame.remove() }, 10 * 60_000)
}

/**
 * Resolves once the service worker serves `href` (a file it has just been
 * told is complete may take a moment to be readable there); rejects with the
 * worker's explanation otherwise.
 */
export async function fileServed (href: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const head = await fetch(href, { method: 'HEAD', cache: 'no-store' })
    if (head.ok) return
    if (Date.now() >= deadline) {
      const answer = await fetch(href, { cache: 'no-store' }).then(async r => r.text(), () => '')
      throw new Error(answer.trim() !== '' ? answer.trim() : `the file is not available here (HTTP ${head.status})`)
    }
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

/**
 * Resolves once a service worker controls the page (it serves the download
 * links), or rejects after `timeoutMs`.
 */
export async function serviceWorkerControls (timeoutMs = 10_000, nav: Navigator = navigator): Promise<void> {
  const container = nav.serviceWorker
  if (container == null) throw new Error('This browser has no service worker to stream the download.')
  if (container.controller != null) return
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      container.removeEventListener('controllerchange', onChange)
      reject(new Error('The download service is not running yet: reload the page and try again.'))
    }, timeoutMs)
    const onChange = (): void => {
      if (container.controller == null) return
      clearTimeout(timer)
      container.removeEventListener('controllerchange', onChange)
      resolve()
    }
    container.addEventListener('controllerchange', onChange)
  })
}
