import { errorMessage } from '../shared/errors.ts'

/**
 * The message box under a chat log: Enter sends, Shift+Enter starts a new
 * line. Sends do not wait for each other; a failed send puts its text back
 * (when the box is still empty) and shows why.
 */
export class Composer {
  text = $state('')
  /** Why the last send failed. */
  error = $state<string>()
  /** Sends in flight. */
  pending = $state(0)
  /** Counts requests to put the cursor in the box (the box follows it). */
  focusRequests = $state(0)

  /**
   * @param deliver - sends (or otherwise uses) the text
   * @param onTyping - called as the user types (rooms say so to their members)
   */
  constructor (private readonly deliver: (text: string) => Promise<unknown>, private readonly onTyping?: () => void) {}

  /** Asks the box to take the focus (after "Reply" or "Edit"). */
  focus (): void {
    this.focusRequests++
  }

  /** The text changed by the user's typing. */
  input (): void {
    if (this.text.trim() !== '') this.onTyping?.()
  }

  async send (): Promise<void> {
    const text = this.text
    if (text.trim() === '') return
    this.text = ''
    this.error = undefined
    this.pending++
    try {
      await this.deliver(text)
    } catch (err) {
      this.error = `Could not send: ${errorMessage(err)}`
      if (this.text === '') this.text = text
    } finally {
      this.pending--
    }
  }

  /** Enter (without Shift, and not while composing with an IME) sends. */
  keydown (event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return
    event.preventDefault()
    void this.send()
  }
}
