import { getContext, setContext } from 'svelte'
import type { Chat } from './chat/chat.svelte.ts'
import type { FilesModel } from './files/files-model.svelte.ts'
import type { Navigation } from './navigation.svelte.ts'
import type { Session } from './session/session.svelte.ts'

/** A context value of the page: set once by App, read by any component below it. */
function pageContext<T> (name: string): { set: (value: T) => T, get: () => T } {
  const key = Symbol(`peerlink:${name}`)
  return {
    set: (value) => setContext(key, value),
    get: () => {
      const value = getContext<T | undefined>(key)
      if (value == null) throw new Error(`the ${name} was read outside a component tree that set it`)
      return value
    }
  }
}

const session = pageContext<Session>('session')
const chat = pageContext<Chat>('chat')
const files = pageContext<FilesModel>('files')
const navigation = pageContext<Navigation>('navigation')

/** Hands the session to every component below the caller. */
export const setSession = session.set
/** The session set by an ancestor with {@link setSession}. */
export const getSession = session.get
/** Hands the rooms and direct messages state to every component below the caller. */
export const setChat = chat.set
/** The chat state set by an ancestor with {@link setChat}. */
export const getChat = chat.get
/** Hands the shared and downloaded files to every component below the caller. */
export const setFiles = files.set
/** The files set by an ancestor with {@link setFiles}. */
export const getFiles = files.get
/** Hands the route and the main view to every component below the caller. */
export const setNavigation = navigation.set
/** The navigation set by an ancestor with {@link setNavigation}. */
export const getNavigation = navigation.get
