// The Slurm scripts of the README's "Scaling out": valid shell, every apprentice flag they use exists,
// and the submit helper refuses a bad shard count before it submits anything. (They run under a real
// scheduler in test/cluster, `npm run test:cluster`.)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { transferCommand } from '../../../electron/cli/commands/transfer.js';
import { REPO_ROOT } from '../../helpers/temp.js';

const DIR = join(REPO_ROOT, 'build', 'cluster');
const SCRIPTS = ['transfer.slurm', 'transfer-array.slurm', 'submit-sharded.sh'];

/** The flags of the script's `apprentice transfer` call. */
function transferFlags(script: string): string[] {
  const text = readFileSync(join(DIR, script), 'utf8');
  const call = text.split('\n').find((l) => /^srun .* transfer --spec/.test(l))!;
  return call.match(/--[a-z-]+/g)!.filter((f) => f !== '--kill-on-bad-exit');
}

describe('build/cluster', () => {
  it.each(SCRIPTS)('%s parses as bash', (script) => {
    const r = spawnSync('bash', ['-n', join(DIR, script)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('uses only flags that apprentice transfer documents', () => {
    expect(transferFlags('transfer.slurm')).toEqual(['--spec', '--json']);
    expect(transferFlags('transfer-array.slurm')).toEqual(['--spec', '--shard', '--json']);
    for (const f of [...transferFlags('transfer-array.slurm'), '--shards'])
      expect(transferCommand.help).toContain(`  ${f} `);
  });

  it('asks for SIGTERM before the time limit, so a job stops cleanly', () => {
    for (const script of ['transfer.slurm', 'transfer-array.slurm'])
      expect(readFileSync(join(DIR, script), 'utf8')).toMatch(/#SBATCH --signal=TERM@\d+/);
  });

  it.each(['0', '-2', 'x', '1.5', '08'])('submit-sharded.sh refuses %j shards before submitting', (n) => {
    // An empty PATH: were it to reach sbatch, it would fail differently.
    const r = spawnSync('/bin/bash', [join(DIR, 'submit-sharded.sh'), 'spec.yaml', n], {
      encoding: 'utf8',
      env: { PATH: '' },
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('N must be a whole number of shards from 1');
  });
});
