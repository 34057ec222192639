import { errorMessage } from '../shared/errors.ts'
import type { RoomsModel } from './rooms-model.svelte.ts'

/** The "Display name" box: saved (and persisted by core) on change or with "Save name". */
export class DisplayNameForm {
  saving = $state(false)
  error = $state<string>()
  /** What the last successful save did. */
  message = $state<string>()

  /** The user's edit; undefined shows the name in effect. */
  #edited = $state<string>()
  /** The name being saved, so a change and a submit of the same edit save once. */
  #saving?: string

  constructor (private readonly rooms: RoomsModel) {}

  get text (): string {
    return this.#edited ?? this.rooms.displayName
  }

  set text (value: string) {
    this.#edited = value
    this.message = undefined
  }

  get disabled (): boolean {
    return !this.rooms.ready
  }

  async save (): Promise<void> {
    const name = this.text.trim()
    if (this.#edited == null || name === this.#saving) return
    if (name === this.rooms.displayName) {
      this.#edited = undefined
      return
    }
    this.#saving = name
    this.saving = true
    this.error = undefined
    try {
      await this.rooms.setDisplayName(name)
      if (this.#edited?.trim() === name) this.#edited = undefined
      this.message = 'Saved.'
    } catch (err) {
      this.error = `Could not save the name: ${errorMessage(err)}`
    } finally {
      this.#saving = undefined
      this.saving = false
    }
  }
}
