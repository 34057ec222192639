/** Longest text a message notification shows, in characters; longer ones are cut with "…". */
export const NOTIFICATION_TEXT_LENGTH = 120

/**
 * What a notification of a new message says: a room's name as the title and
 * "<author>: <text>" (or the file's name when the message only carries a
 * file) as the body; for a direct message (no `author`), the sender as the
 * title and the text as the body. Blanks are collapsed and the text cut short.
 */
export function messageNotification (title: string, author: string | undefined, text: string, fileName?: string): { title: string, body: string } {
  const said = text.trim() !== '' ? text : fileName ?? ''
  const short = shorten(said.replace(/\s+/g, ' ').trim())
  return { title, body: author == null ? short : `${author}: ${short}` }
}

function shorten (text: string): string {
  const chars = Array.from(text) // never cut an emoji in half
  return chars.length <= NOTIFICATION_TEXT_LENGTH ? text : `${chars.slice(0, NOTIFICATION_TEXT_LENGTH - 1).join('')}…`
}
