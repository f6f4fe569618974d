import type { ComputeInfo } from '../../shared/compute.js';
import { createAppServices, type AppServices } from '../../electron/services/app-services.js';
import { createFileLogger } from '../../electron/services/logger.js';
import { join } from 'node:path';

/** A compute report for tests that exercise services without loading tfjs. */
export const FAKE_COMPUTE: ComputeInfo = {
  backend: 'test-backend',
  requested: 'auto',
  candidates: [{ name: 'test-backend', available: true }],
  nativeKernels: false,
  threads: 1,
  versions: { tfjs: 'test' },
};

export function testServices(userDataDir: string, shell: 'web' | 'electron' = 'web'): AppServices {
  return createAppServices({
    userDataDir,
    platform: { shell },
    logger: createFileLogger({ dir: join(userDataDir, 'logs') }),
    initCompute: async () => FAKE_COMPUTE,
  });
}
