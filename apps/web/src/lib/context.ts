import { getContext, setContext } from 'svelte'
import type { Session } from './session.svelte.ts'

const SESSION = Symbol('peerlink:session')

/** Hands the session to every component below the caller. */
export function setSession (session: Session): Session {
  return setContext(SESSION, session)
}

/** The session set by an ancestor with {@link setSession}. */
export function getSession (): Session {
  const session = getContext<Session | undefined>(SESSION)
  if (session == null) throw new Error('getSession() called outside a component tree that called setSession()')
  return session
}
