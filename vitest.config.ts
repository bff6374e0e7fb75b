import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration suites start servers and child processes; two cores, so keep files from starving each other.
    maxWorkers: 2,
  },
})
