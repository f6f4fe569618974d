// startCompute prints the engine's notice, with why, once per process: here on the JS fallback, the
// addon disabled (this test file runs in its own process, so the engine's choice stays here).
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../electron/cli/command.js';

describe('startCompute', () => {
  let startCompute: (io?: CliIo) => Promise<void>;
  beforeAll(async () => {
    process.env.APPRENTICE_DISABLE_ADDON = '1';
    // Native asked for explicitly: a machine with a GPU would otherwise take it and have no notice.
    process.env.APPRENTICE_BACKEND = 'native';
    ({ startCompute } = await import('../../../electron/cli/run-job.js'));
  });

  it('prints the slow-fallback notice and its cause on stderr, once', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      isTty: false,
      status: () => {},
    };
    await startCompute(io);
    await startCompute(io);
    expect(out).toEqual([]);
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^Notice: .*training runs on the slow JavaScript fallback/);
    expect(err[1]).toBe(
      '  Why: the native addon is disabled (APPRENTICE_DISABLE_ADDON=1): JavaScript convolutions',
    );
  });
});
