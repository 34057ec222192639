/**
 * Finding messages in a conversation's history: the text a message is found
 * by (its latest text and its file's name; nothing of a deleted one), folded
 * so that case and accents do not matter ("Égal" is found by "egal").
 */

/** What search needs of a log entry. */
export interface Searchable {
  id: string
  text: string
  deleted?: boolean
  file?: { name: string }
}

/** `text` lowercased and without accents or other combining marks: "Crème BRÛLÉE" -> "creme brulee". */
export function foldForSearch (text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase()
}

/** The folded words of a query, blanks collapsed; '' when it has none. */
export function searchQuery (query: string): string {
  return foldForSearch(query).trim().replace(/\s+/g, ' ')
}

/**
 * The folded text of each message, kept between searches: a message is
 * folded again only when its text (an edit) or file changed, so a search as
 * the user types costs one `includes` per message.
 */
export class SearchIndex {
  readonly #folded = new Map<string, { source: string, folded: string }>()

  /** The ids of the messages of `entries` (in their order) that `query` matches; none for an empty query. */
  match (entries: readonly Searchable[], query: string): string[] {
    const wanted = searchQuery(query)
    if (wanted === '') return []
    const ids: string[] = []
    const seen = new Set<string>()
    for (const entry of entries) {
      seen.add(entry.id)
      if (entry.deleted === true) continue
      if (this.#fold(entry).includes(wanted)) ids.push(entry.id)
    }
    // forget messages no longer in the log (a room's history cleared, a message gone)
    if (this.#folded.size > seen.size) {
      for (const id of this.#folded.keys()) if (!seen.has(id)) this.#folded.delete(id)
    }
    return ids
  }

  #fold (entry: Searchable): string {
    // the text and the file's name are searched separately: a query never spans both
    const source = entry.file == null ? entry.text : `${entry.text}\n${entry.file.name}`
    const cached = this.#folded.get(entry.id)
    if (cached?.source === source) return cached.folded
    const folded = foldForSearch(source)
    this.#folded.set(entry.id, { source, folded })
    return folded
  }
}
