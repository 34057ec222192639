import { defineConfig } from 'vitest/config'

// Unit and Node integration tests. Browser tests live in e2e/ (Playwright).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'relay/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
