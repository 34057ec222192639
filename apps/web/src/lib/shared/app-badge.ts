/** The tab's title without unread messages. */
export const APP_TITLE = 'Peerlink'

/** What {@link showUnread} needs of the browser: the Badging API is optional (installed apps, some browsers). */
export interface BadgeTarget {
  document: Pick<Document, 'title'>
  navigator: Partial<Pick<Navigator, 'setAppBadge' | 'clearAppBadge'>>
}

/**
 * Shows `count` unread messages in the tab's title ("(3) Peerlink") and on the
 * installed app's icon (Badging API, where the browser has it); nothing when
 * there are none. `subject` (a room's name, say) comes before the app's name.
 */
export function showUnread (count: number, subject?: string, target: BadgeTarget = globalThis): void {
  const base = subject != null && subject !== '' ? `${subject} · ${APP_TITLE}` : APP_TITLE
  target.document.title = count > 0 ? `(${count}) ${base}` : base
  const { navigator } = target
  // rejected where the page may not set a badge (not installed, say): nothing to tell the user
  if (count > 0) navigator.setAppBadge?.(count).catch(() => {})
  else navigator.clearAppBadge?.().catch(() => {})
}
