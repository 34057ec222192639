import { mount } from 'svelte'
import App from './App.svelte'
import { Chat } from './lib/chat/chat.svelte.ts'
import { registerServiceWorker } from './lib/shared/pwa.ts'
import { Session } from './lib/session/session.svelte.ts'
import './app.css'
import './layout.css'
import './chat.css'

const session = new Session()
const chat = new Chat(session)
mount(App, { target: document.getElementById('app')!, props: { session, chat } })
void session.start()
if (import.meta.env.PROD) registerServiceWorker()
