import { defineConfig } from 'vitest/config'

// Unit and Node integration tests, and the benchmark harnesses' smoke tests (bench/**/*.smoke.test.ts).
// Browser tests live in e2e/ (Playwright).
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'relay/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'bench/**/*.smoke.test.ts'],
    // most of these tests wait on relay processes, sockets and timers: four files at a time on two cores (one at a
    // time took 10 min, four 4 min)
    maxWorkers: 4,
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
