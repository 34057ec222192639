import { getContext, setContext } from 'svelte'
import type { Chat } from './chat/chat.svelte.ts'
import type { Session } from './session/session.svelte.ts'

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

const CHAT = Symbol('peerlink:chat')

/** Hands the rooms and direct messages state to every component below the caller. */
export function setChat (chat: Chat): Chat {
  return setContext(CHAT, chat)
}

/** The chat state set by an ancestor with {@link setChat}. */
export function getChat (): Chat {
  const chat = getContext<Chat | undefined>(CHAT)
  if (chat == null) throw new Error('getChat() called outside a component tree that called setChat()')
  return chat
}
