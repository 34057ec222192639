import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { manifest } from './pwa-manifest.ts'

// dev and preview servers: 127.0.0.1:5173 unless PORT is set (or --host/--port given)
const port = Number(process.env['PORT'] ?? 5173)
const host = '127.0.0.1'

export default defineConfig({
  plugins: [
    svelte(),
    VitePWA({
      registerType: 'autoUpdate',
      // our own worker (src/sw.ts): the precached app shell plus the files route
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectRegister: false, // registered from src/lib/shared/pwa.ts via virtual:pwa-register
      manifest,
      includeManifestIcons: false, // already matched by globPatterns
      injectManifest: {
        // the app shell: HTML, JS (including the libp2p chunk), CSS and icons;
        // the plugin adds manifest.webmanifest itself; never config.json (the server's, read fresh on every start)
        globPatterns: ['**/*.{html,js,css,svg,png}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        rollupFormat: 'iife'
      }
    })
  ],
  build: {
    target: 'es2022',
    // libp2p is one ~760 kB chunk (230 kB gzipped), precached by the service worker
    chunkSizeWarningLimit: 1024,
    outDir: 'dist',
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'vendor', test: /[\\/]node_modules[\\/](svelte|esm-env|clsx|workbox-window)[\\/]/, priority: 2 },
            // libp2p and the rest of @peerlink/core's dependencies
            { name: 'libp2p', test: /[\\/](node_modules|packages[\\/]core)[\\/]/, priority: 1 }
          ]
        }
      }
    }
  },
  server: { host, port, strictPort: true },
  preview: { host, port, strictPort: true }
})
