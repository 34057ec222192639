import { defineConfig } from 'vitest/config'

// The simulation's smoke test, outside the root config's include (packages, relay, apps):
// scripts/isolated pnpm exec vitest run -c bench/sim/vitest.config.ts
export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['bench/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 30_000
  }
})
