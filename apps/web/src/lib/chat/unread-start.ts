/**
 * Where a conversation's unread messages start: the earliest (in the log's
 * order) of the messages from others that arrived unseen. History synced
 * while away can arrive after newer messages, so each new unread message is
 * compared with the start kept so far.
 */

/** The first unread message of a conversation. */
export interface UnreadStart {
  /** The message's id (the log's `data-message-id`). */
  id: string
  /** Its place in the log: a room message's HLC wall time, a direct message's send time (epoch ms). */
  at: number
  /** Its HLC counter, for messages of the same millisecond (0 for direct messages). */
  counter: number
}

/** Whichever of the two comes first in the log (by time, counter, then id, as rooms order their history). */
export function earlierStart (current: UnreadStart | undefined, next: UnreadStart): UnreadStart {
  if (current == null) return next
  const order = next.at - current.at || next.counter - current.counter || (next.id < current.id ? -1 : next.id > current.id ? 1 : 0)
  return order < 0 ? next : current
}

/** The starts kept in localStorage (`{ "<conversation key>": UnreadStart }`), leaving out anything malformed. */
export function parseStarts (json: string | null): Record<string, UnreadStart> {
  let value: unknown
  try {
    value = JSON.parse(json ?? '{}')
  } catch {
    return {}
  }
  if (typeof value !== 'object' || value == null || Array.isArray(value)) return {}
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, UnreadStart] => isStart(e[1])))
}

function isStart (value: unknown): value is UnreadStart {
  if (typeof value !== 'object' || value == null) return false
  const { id, at, counter } = value as Partial<UnreadStart>
  return typeof id === 'string' && id !== '' && Number.isFinite(at) && Number.isSafeInteger(counter)
}
