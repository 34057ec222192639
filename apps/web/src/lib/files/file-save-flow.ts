/**
 * Saving one file to disk from a click on its download link: at once if it
 * is complete, else when its download completes. Where the File System
 * Access API exists the user picks the file during the click and the chunks
 * are written into it; elsewhere the browser downloads the service worker's
 * stream of it.
 *
 *   idle ─click─▶ waiting ─completed─▶ saving ─▶ saved
 *   (complete) idle ─click─▶ saving ─▶ saved      any ─failure─▶ failed
 *   waiting ─picker closed / removed─▶ idle
 */
import { errorMessage } from '../shared/errors.ts'
import { canPickSaveFile, downloadInFrame, fileServed, pickSaveFile, serviceWorkerControls, writeToHandle } from './file-save.ts'

/** `waiting` for the download to complete, `saving` chunks to the picked file. */
export type SaveState = 'idle' | 'waiting' | 'saving' | 'saved' | 'failed'

/** What the flow reads of the file (a file row). */
export interface SaveSource {
  /** Its name ('' while unknown), for messages. */
  readonly name: string
  /** The name to save it as. */
  readonly saveName: string
  readonly complete: boolean
  /** Its download link (the service worker's stream, as an attachment). */
  readonly href: string
}

/** What the flow does to the file, and whom it tells. */
export interface SaveHooks {
  /** Starts (or resumes) the file's download; throws when it cannot. */
  download: () => void
  /** The file's plaintext, chunk by chunk (a complete file). */
  read: () => Promise<AsyncIterable<Uint8Array>>
  /** Every change of state. */
  onState: (state: SaveState) => void
  /** Why saving failed (the state is then `failed`). */
  onError: (message: string) => void
}

/** The browser's ways to save (replaced in tests). */
export interface SaveMethods {
  canPickSaveFile: () => boolean
  pickSaveFile: (name: string) => Promise<FileSystemFileHandle | undefined>
  writeToHandle: (handle: FileSystemFileHandle, chunks: AsyncIterable<Uint8Array>) => Promise<void>
  serviceWorkerControls: () => Promise<void>
  fileServed: (href: string) => Promise<void>
  downloadInFrame: (href: string) => void
}

const BROWSER: SaveMethods = {
  canPickSaveFile: () => canPickSaveFile(),
  pickSaveFile: async (name) => pickSaveFile(name),
  writeToHandle,
  serviceWorkerControls: async () => serviceWorkerControls(),
  fileServed: async (href) => fileServed(href),
  downloadInFrame: (href) => { downloadInFrame(href) }
}

export class SaveFlow {
  #state: SaveState = 'idle'
  /** Where to save once the download completes (picked during the click). */
  #pending?: { handle?: FileSystemFileHandle }

  constructor (
    private readonly file: SaveSource,
    private readonly hooks: SaveHooks,
    private readonly methods: SaveMethods = BROWSER
  ) {}

  get state (): SaveState {
    return this.#state
  }

  /**
   * The download link was clicked (call it synchronously from the click: the
   * picker needs its user activation). A complete file is saved at once;
   * otherwise its download starts or resumes, and it is saved when complete.
   */
  click (): void {
    // asked before anything is awaited
    const picked = this.methods.canPickSaveFile() ? this.methods.pickSaveFile(this.file.saveName) : undefined
    if (this.file.complete) {
      void this.#saveNow(picked)
      return
    }
    this.#pending = {}
    this.#set('waiting')
    try {
      this.hooks.download()
    } catch (err) {
      this.#fail(`Could not start the download: ${errorMessage(err)}`)
      return
    }
    if (picked != null) {
      picked.then(handle => {
        if (handle == null) {
          // picker closed: the download goes on, nothing is saved
          this.#pending = undefined
          this.#set('idle')
        } else if (this.#pending != null) {
          this.#pending.handle = handle
          if (this.file.complete) void this.completed()
        }
      }, err => { this.#fail(`Could not pick where to save: ${errorMessage(err)}`) })
    }
  }

  /** The download completed: saves the file if a click asked for it. */
  async completed (): Promise<void> {
    const pending = this.#pending
    if (pending == null) return
    if (this.methods.canPickSaveFile()) {
      if (pending.handle == null) return // still picking; saved once picked
      this.#pending = undefined
      await this.#write(pending.handle)
      return
    }
    this.#pending = undefined
    await this.#follow()
  }

  /** The transfer is gone (cancelled, deleted): nothing is waiting to be saved. */
  removed (): void {
    this.#pending = undefined
    this.#set('idle')
  }

  async #saveNow (picked: Promise<FileSystemFileHandle | undefined> | undefined): Promise<void> {
    if (picked == null) {
      await this.#follow()
      return
    }
    let handle
    try {
      handle = await picked
    } catch (err) {
      this.#fail(`Could not pick where to save: ${errorMessage(err)}`)
      return
    }
    if (handle != null) await this.#write(handle)
  }

  async #write (handle: FileSystemFileHandle): Promise<void> {
    this.#set('saving')
    try {
      await this.methods.writeToHandle(handle, await this.hooks.read())
      this.#set('saved')
    } catch (err) {
      this.#fail(`Could not save ${this.file.name}: ${errorMessage(err)}`)
    }
  }

  async #follow (): Promise<void> {
    try {
      await this.methods.serviceWorkerControls()
      await this.methods.fileServed(this.file.href)
      this.methods.downloadInFrame(this.file.href)
      this.#set('saved')
    } catch (err) {
      this.#fail(errorMessage(err))
    }
  }

  #set (state: SaveState): void {
    this.#state = state
    this.hooks.onState(state)
  }

  #fail (message: string): void {
    this.#pending = undefined
    this.#set('failed')
    this.hooks.onError(message)
  }
}
