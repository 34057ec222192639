import type { ManifestOptions } from 'vite-plugin-pwa'
import { SHARE_TARGET_PATH } from './src/lib/share/share-route.ts'

export const THEME_COLOR = '#4f46e5'

/** The web app manifest (written to dist/manifest.webmanifest). */
export const manifest: Partial<ManifestOptions> = {
  name: 'Peerlink',
  short_name: 'Peerlink',
  description: 'Peer-to-peer file sharing, chat and video in the browser',
  theme_color: THEME_COLOR,
  background_color: '#0f172a',
  display: 'standalone',
  start_url: '.',
  scope: '.',
  // "Share to Peerlink" in the system's share sheet: the service worker receives the POST (src/sw/share-target.ts);
  // the action is relative to this manifest, so to the app's scope wherever the app is served
  share_target: {
    action: SHARE_TARGET_PATH,
    method: 'POST',
    enctype: 'multipart/form-data',
    params: { title: 'title', text: 'text', url: 'url', files: [{ name: 'files', accept: ['*/*'] }] }
  },
  icons: [
    { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
    { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
    { src: 'maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' }
  ]
}
