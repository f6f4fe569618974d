import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The cluster tests (`npm run test:cluster`): real Slurm daemons on this machine (start-slurm.sh), real
// jobs, one file at a time. Not in the unit project: they need root, slurm-wlm and munge.
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    include: ['test/cluster/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
