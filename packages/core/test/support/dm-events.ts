import type { DirectMessage, DirectMessagesEvents } from '../../src/dm/types.js'

/** What `nextDm` needs of a DirectMessages service: its events. */
export interface DmEventSource {
  addEventListener<K extends keyof DirectMessagesEvents>(type: K, listener: (evt: DirectMessagesEvents[K]) => void): void
  removeEventListener<K extends keyof DirectMessagesEvents>(type: K, listener: (evt: DirectMessagesEvents[K]) => void): void
}

/** The next `type` event whose message matches. */
export async function nextDm<K extends 'dm:added' | 'dm:updated'> (dms: DmEventSource, type: K, match: (m: DirectMessage) => boolean = () => true): Promise<DirectMessage> {
  return new Promise(resolve => {
    const listener = (evt: CustomEvent<DirectMessage>): void => {
      if (!match(evt.detail)) return
      dms.removeEventListener(type, listener)
      resolve(evt.detail)
    }
    dms.addEventListener(type, listener)
  })
}
