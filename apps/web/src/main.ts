import { mount } from 'svelte'
import App from './App.svelte'
import { Chat } from './lib/chat/chat.svelte.ts'
import { FilesModel } from './lib/files/files-model.svelte.ts'
import { Navigation } from './lib/navigation.svelte.ts'
import { Session } from './lib/session/session.svelte.ts'
import { InstallOffer } from './lib/shared/install.svelte.ts'
import { Notifier } from './lib/shared/notifier.svelte.ts'
import { registerServiceWorker } from './lib/shared/pwa.ts'
import { Router } from './lib/shared/router.svelte.ts'
import { ScreenWakeLock } from './lib/shared/wake-lock.ts'
import './app.css'
import './layout.css'
import './chat.css'

const session = new Session()
const router = new Router()
// a clicked notification opens its conversation
const notifier = new Notifier({ open: href => { router.go(href) } })
const files = new FilesModel({ session, notifier, nameOf: (peerId) => chat.nameOf(peerId) })
// small images members share in rooms download by themselves
const chat = new Chat(session, router, notifier, { onFile: (file, author, roomId) => { files.autoDownload(file, author, roomId) } })
// last: chat and files follow a new peer before the route is opened again with it
const navigation = new Navigation({ session, router, chat, files })
// listening from the start: the browser may offer installation before the page is drawn
const install = new InstallOffer()
const wakeLock = new ScreenWakeLock()
mount(App, { target: document.getElementById('app')!, props: { session, chat, files, navigation, install, wakeLock } })
void session.start()
if (import.meta.env.PROD) registerServiceWorker()
