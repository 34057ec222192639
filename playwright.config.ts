import { defineConfig } from '@playwright/test'

/**
 * Browser tests: Debian's Chromium (no Playwright browser download), the built
 * app served by `vite preview`, and real relay processes started by each test.
 * Run inside a loopback-only network namespace (`scripts/isolated`).
 */
const APP_PORT = Number(process.env.PEERLINK_E2E_APP_PORT ?? 5199)

export default defineConfig({
  testDir: 'e2e/tests',
  timeout: 180_000,
  expect: { timeout: 30_000 },
  // two cores: each test already runs two or three browser contexts and relays
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://127.0.0.1:${APP_PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // WebRTC between pages on one machine
        '--allow-loopback-in-peer-connection',
        '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'
      ]
    }
  },
  webServer: {
    command: `node apps/web/node_modules/vite/bin/vite.js preview apps/web --host 127.0.0.1 --port ${APP_PORT} --strictPort`,
    url: `http://127.0.0.1:${APP_PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000
  }
})
