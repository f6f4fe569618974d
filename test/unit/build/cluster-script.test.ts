// The Slurm job script of the README's "Scaling out": valid shell, and every apprentice flag it uses exists.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { transferCommand } from '../../../electron/cli/commands/transfer.js';
import { REPO_ROOT } from '../../helpers/temp.js';

const SCRIPT = join(REPO_ROOT, 'build', 'cluster', 'transfer.slurm');

describe('build/cluster/transfer.slurm', () => {
  it('parses as bash', () => {
    const r = spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('uses only flags that apprentice transfer documents, and a backend name the app knows', () => {
    const text = readFileSync(SCRIPT, 'utf8');
    const call = text.split('\n').find((l) => l.includes('apprentice.mjs transfer'))!;
    const flags = call.match(/--[a-z-]+/g)!.filter((f) => f !== '--kill-on-bad-exit');
    expect(flags).toEqual(['--spec', '--json']);
    for (const f of flags) expect(transferCommand.help).toContain(f);
    expect(text).toMatch(/#SBATCH --signal=TERM@\d+/);
  });
});
