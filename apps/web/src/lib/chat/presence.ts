/**
 * Calls `setAway(true)` while the page is hidden (another tab, minimised) and
 * `setAway(false)` when it is shown again; once at once with the current state.
 * A page being unloaded (reload, navigation) also turns hidden: that is not
 * "away", so nothing is reported from `pagehide` until `pageshow`.
 * Returns a function that stops following.
 */
export function followVisibility (setAway: (away: boolean) => void, win: Window = window): () => void {
  const doc = win.document
  let unloading = false
  const update = (): void => {
    if (!unloading) setAway(doc.visibilityState === 'hidden')
  }
  const onPageHide = (): void => { unloading = true }
  const onPageShow = (): void => { unloading = false; update() }
  doc.addEventListener('visibilitychange', update)
  win.addEventListener('pagehide', onPageHide)
  win.addEventListener('pageshow', onPageShow)
  update()
  return () => {
    doc.removeEventListener('visibilitychange', update)
    win.removeEventListener('pagehide', onPageHide)
    win.removeEventListener('pageshow', onPageShow)
  }
}
