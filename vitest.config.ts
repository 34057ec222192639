import { defineConfig } from 'vitest/config'

// Unit and Node integration tests, and the benchmark harnesses' smoke tests (bench/**/*.smoke.test.ts).
// Browser tests live in e2e/ (Playwright).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'relay/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/**/*.smoke.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
