import { errorMessage } from '../shared/errors.ts'

/**
 * The "Room name" box: shows the room's name as members last set it, and
 * renames the room (for every member) when the user's edit is saved (Enter,
 * or leaving the box). While the user edits, a rename by another member does
 * not overwrite the edit.
 */
export class RoomNameForm {
  saving = $state(false)
  error = $state<string>()

  /** The user's edit; undefined shows the name in effect. */
  #edited = $state<string>()

  constructor (private readonly current: () => string, private readonly rename: (name: string) => Promise<void>) {}

  get text (): string {
    return this.#edited ?? this.current()
  }

  set text (value: string) {
    this.#edited = value
  }

  async save (): Promise<void> {
    if (this.#edited == null || this.saving) return
    const name = this.#edited.trim()
    if (name === this.current()) {
      this.#edited = undefined
      return
    }
    this.saving = true
    this.error = undefined
    try {
      await this.rename(name)
      if (this.#edited?.trim() === name) this.#edited = undefined
    } catch (err) {
      this.error = `Could not rename the room: ${errorMessage(err)}`
    } finally {
      this.saving = false
    }
  }

  /** Drops the user's edit (Escape): the box shows the name in effect again. */
  reset (): void {
    this.#edited = undefined
    this.error = undefined
  }
}
