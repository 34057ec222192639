/**
 * Saving one file to disk from a click on its download link. Where the File
 * System Access API exists the user picks the file during the click, and the
 * file is written into it at once: what is stored first, the rest as the
 * download brings it (a paused download holds the save, a failed or removed
 * one aborts it). Elsewhere the browser downloads the service worker's stream
 * of it once it is complete.
 *
 *   (picker)         idle ─click─▶ waiting ─picked─▶ saving ─▶ saved
 *   (service worker) idle ─click─▶ waiting ─completed─▶ saved
 *   (complete)       idle ─click─▶ saving ─▶ saved          any ─failure─▶ failed
 *   waiting ─picker closed / removed─▶ idle    saving ─removed─▶ idle (the write aborted)
 */
import { errorMessage } from '../shared/errors.ts'
import { canPickSaveFile, downloadInFrame, fileServed, pickSaveFile, serviceWorkerControls, writeToHandle } from './file-save.ts'
import type { FileSink } from './files-api.ts'

/** `waiting` for the picker (or, without one, for the download to complete), `saving` into the picked file. */
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
  /**
   * Writes the file into `sink` in order, as it downloads (a complete file at
   * once); closes `sink` once it is saved, or aborts it and throws.
   */
  save: (sink: FileSink, signal: AbortSignal) => Promise<void>
  /** Every change of state. */
  onState: (state: SaveState) => void
  /** Why saving failed (the state is then `failed`). */
  onError: (message: string) => void
}

/** The browser's ways to save (replaced in tests). */
export interface SaveMethods {
  canPickSaveFile: () => boolean
  pickSaveFile: (name: string) => Promise<FileSystemFileHandle | undefined>
  writeToHandle: (handle: FileSystemFileHandle, write: (sink: FileSink) => Promise<void>) => Promise<void>
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
  /** The picker of the last click on a file not complete yet, still open. */
  #picking?: object
  /** Without a picker: the last click's file is saved (through the service worker) once its download completes. */
  #following = false
  /** The save under way: aborted when the transfer is removed or another save starts. */
  #saving?: AbortController

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
   * otherwise its download starts or resumes, and it is saved into the picked
   * file as it downloads (without a picker, once it is complete).
   */
  click (): void {
    // asked before anything is awaited
    const picked = this.methods.canPickSaveFile() ? this.methods.pickSaveFile(this.file.saveName) : undefined
    if (this.file.complete) {
      void this.#saveNow(picked)
      return
    }
    this.#set('waiting')
    try {
      this.hooks.download()
    } catch (err) {
      this.#fail(`Could not start the download: ${errorMessage(err)}`)
      return
    }
    if (picked == null) {
      this.#following = true
      return
    }
    const picking = this.#picking = {}
    picked.then(handle => {
      if (this.#picking !== picking) return // removed meanwhile
      this.#picking = undefined
      // picker closed: the download goes on, nothing is saved
      if (handle == null) this.#set('idle')
      else void this.#write(handle)
    }, err => {
      if (this.#picking === picking) this.#fail(`Could not pick where to save: ${errorMessage(err)}`)
    })
  }

  /** The download completed: without a picker, has the browser save it if a click asked for it. */
  async completed (): Promise<void> {
    if (!this.#following) return
    this.#following = false
    await this.#follow()
  }

  /** The transfer is gone (cancelled, deleted): nothing is saved, and a save under way is aborted. */
  removed (): void {
    this.#picking = undefined
    this.#following = false
    this.#saving?.abort()
    this.#saving = undefined
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
    this.#saving?.abort()
    const saving = this.#saving = new AbortController()
    this.#set('saving')
    try {
      await this.methods.writeToHandle(handle, async (sink) => this.hooks.save(sink, saving.signal))
    } catch (err) {
      // removed, or replaced by a later save: not a failure of this file
      if (saving.signal.aborted) return
      this.#saving = undefined
      this.#fail(`Could not save ${this.file.name}: ${errorMessage(err)}`)
      return
    }
    if (this.#saving !== saving) return
    this.#saving = undefined
    this.#set('saved')
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
    this.#picking = undefined
    this.#following = false
    this.#set('failed')
    this.hooks.onError(message)
  }
}
