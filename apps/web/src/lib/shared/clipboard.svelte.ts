/** Copies text to the clipboard and remembers it briefly, for a "Copied" label. */
export class CopyAction {
  copied = $state(false)
  failed = $state(false)
  #timer?: ReturnType<typeof setTimeout>

  async copy (text: string | undefined): Promise<void> {
    if (text == null) return
    clearTimeout(this.#timer)
    try {
      await navigator.clipboard.writeText(text)
      this.copied = true
      this.failed = false
    } catch {
      this.copied = false
      this.failed = true
    }
    this.#timer = setTimeout(() => { this.copied = false; this.failed = false }, 2000)
  }
}
