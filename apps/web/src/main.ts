import { mount } from 'svelte'
import App from './App.svelte'
import { registerServiceWorker } from './lib/pwa.ts'
import { Session } from './lib/session.svelte.ts'
import './app.css'

const session = new Session()
mount(App, { target: document.getElementById('app')!, props: { session } })
void session.start()
if (import.meta.env.PROD) registerServiceWorker()
