import type { ManifestOptions } from 'vite-plugin-pwa'

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
  icons: [
    { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
    { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
    { src: 'maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' }
  ]
}
