/**
 * Calls `setAway(true)` while the page is hidden (another tab, minimised) and
 * `setAway(false)` when it is shown again; once at once with the current state.
 * Returns a function that stops following.
 */
export function followVisibility (setAway: (away: boolean) => void, doc: Document = document): () => void {
  const update = (): void => { setAway(doc.visibilityState === 'hidden') }
  doc.addEventListener('visibilitychange', update)
  update()
  return () => { doc.removeEventListener('visibilitychange', update) }
}
