import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// The GPU correctness suite (`npm run test:gpu`): the WebGPU backend (Dawn + tfjs-backend-webgpu) against
// the native CPU backend, on whatever adapter Dawn finds. In CI that is Mesa's lavapipe (software Vulkan):
// slow, but the same GPU code path, so speed means nothing here. Not in the unit project: it needs the
// optional `webgpu` package and a Vulkan/Metal/D3D12 driver; test/run-all.mjs runs it where one exists.
export default defineConfig({
  root: join(import.meta.dirname, '..', '..'),
  test: {
    include: ['test/gpu/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // One device, two cores: files one after another.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
