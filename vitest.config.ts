import { defineConfig } from 'vitest/config';

// Two projects: fast unit/integration tests, and end-to-end tests that start the web shell and drive
// Debian's Chromium (serial: one browser at a time on a 2-core machine).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // test/bench/**: checks that a benchmark measures what it claims (e.g. the reference U-Net's parity).
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/bench/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
