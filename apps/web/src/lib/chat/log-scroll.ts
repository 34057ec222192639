/** The element of message `id` in a chat log (its `data-message-id`), if drawn. */
export function messageElement (log: HTMLElement | undefined, id: string): HTMLElement | undefined {
  return log?.querySelector<HTMLElement>(`[data-message-id="${CSS.escape(id)}"]`) ?? undefined
}

/**
 * Scrolls the log so that message `id` is in view (`block`: where), and
 * focuses it when asked (it is focusable from script only). Returns whether
 * the message was there.
 */
export function revealMessage (log: HTMLElement | undefined, id: string, options: { block?: ScrollLogicalPosition, focus?: boolean } = {}): boolean {
  const element = messageElement(log, id)
  if (element == null) return false
  element.scrollIntoView({ block: options.block ?? 'center' })
  if (options.focus === true) element.focus({ preventScroll: true })
  return true
}
