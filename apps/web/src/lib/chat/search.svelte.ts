import { SearchIndex, type Searchable } from './message-search.ts'

/** How long typing must pause before the log is searched (ms). */
export const SEARCH_DELAY_MS = 150

/**
 * Search in an open conversation's history: every message it holds (not only
 * those drawn), by its latest text and its file's name. The query is applied
 * once typing pauses; the matches are stepped through from the newest.
 */
export class MessageSearch {
  /** What is typed in the search box. */
  query = $state('')
  /** The query the matches are for (the typed one, once typing paused). */
  #applied = $state('')
  /** The match the user stepped to (else the newest is current). */
  #chosen = $state<string>()
  #timer?: ReturnType<typeof setTimeout>
  readonly #index = new SearchIndex()

  /** The ids of the matching messages, oldest first. */
  readonly matches: string[] = $derived.by(() => this.#index.match(this.entries(), this.#applied))
  /** The same ids, for looking up (a new set for every search, never changed). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly matched: ReadonlySet<string> = $derived(new Set(this.matches))

  /** `entries`: the conversation's messages, in the log's order. */
  constructor (private readonly entries: () => readonly Searchable[]) {}

  /** The match shown now: the one stepped to, else the newest. */
  get current (): string | undefined {
    return this.#chosen != null && this.matched.has(this.#chosen) ? this.#chosen : this.matches.at(-1)
  }

  /** The current match's place among the matches (1 for the oldest); 0 when none. */
  get position (): number {
    const current = this.current
    return current == null ? 0 : this.matches.indexOf(current) + 1
  }

  /** A query is applied (the box is not empty and typing paused). */
  get active (): boolean {
    return this.#applied.trim() !== ''
  }

  /** "3 of 12", "No matches"; empty while there is no query. */
  get summary (): string {
    if (!this.active) return ''
    if (this.matches.length === 0) return 'No matches'
    return `${this.position} of ${this.matches.length}`
  }

  /** The box's text changed: searched once typing pauses. */
  input (query: string): void {
    this.query = query
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => { this.apply() }, SEARCH_DELAY_MS)
  }

  /** Searches for the typed query now. */
  apply (): void {
    clearTimeout(this.#timer)
    if (this.#applied === this.query) return
    this.#applied = this.query
    this.#chosen = undefined
  }

  /** Steps to the next older match (from the oldest, to the newest). */
  previous (): void {
    this.#step(-1)
  }

  /** Steps to the next newer match (from the newest, to the oldest). */
  next (): void {
    this.#step(1)
  }

  /** Empties the box and the matches. */
  clear (): void {
    this.query = ''
    this.apply()
  }

  dispose (): void {
    clearTimeout(this.#timer)
  }

  #step (by: number): void {
    this.apply()
    const n = this.matches.length
    if (n === 0) return
    const at = this.position - 1
    this.#chosen = this.matches[(at + by + n) % n]
  }
}
