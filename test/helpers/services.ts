import type { Reply } from '../../shared/api.js';
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

/** The value of a dispatch() reply; an error reply is thrown with its code and message. */
export function replyValue<T>(r: Reply<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/**
 * App services with a new project "p" in `dir`, holding the images copied to `dir`/images (copyBusBra)
 * as dataset "bus" with `dir`/masks as their ground truth.
 */
export async function servicesWithImportedProject(dir: string): Promise<AppServices> {
  const services = testServices(join(dir, 'ud'));
  await services.api.createProject({ parentDir: dir, name: 'p' });
  const job = await services.api.importImages({
    path: join(dir, 'images'),
    dataset: 'bus',
    masksPath: join(dir, 'masks'),
  });
  await services.jobs.wait(job.jobId);
  return services;
}
