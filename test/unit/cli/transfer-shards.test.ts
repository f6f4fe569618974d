// `apprentice transfer --shard I/N` and `--shards N` through the real bin shim: bad shard flags are one
// clear line (exit 2) before anything runs; shards then the fusing run make a whole transfer; a fusing
// run with shards missing names them.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shardMode } from '../../../electron/cli/commands/transfer-shards.js';
import { copyBusBra } from '../../helpers/data.js';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../../helpers/temp.js';

function apprentice(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!) as Record<string, unknown>;

let root: string;
let spec: string;
beforeAll(() => {
  root = tempDir('transfer-shards-cli-').dir;
  const all = copyBusBra(join(root, 'all'), 3, { masks: false });
  mkdirSync(join(root, 'transferal'));
  for (const n of all.names) copyFileSync(join(all.images, n), join(root, 'transferal', n));
  spec = join(root, 'run.json');
  writeFileSync(
    spec,
    JSON.stringify({
      teachers: ['fcn-busi', 'unet-busi'].map((t) => join(SHARED_DIR, 'teachers', `${t}.json`)),
      transferal: { images: 'transferal' },
      student: { arch: 'unet-tiny', size: 32, epochs: 1, batchSize: 2, valFraction: 0.34 },
      out: 'out',
    }),
  );
});

describe('apprentice transfer --shard / --shards', () => {
  it.each([
    [{ shard: '0/0' }, '--shard 0/0: N must be a whole number of shards from 1'],
    [{ shard: '3' }, '--shard must be I/N'],
    [{ shards: '0' }, '--shards must be a whole number of shards from 1'],
    [{ shard: '1/2', project: 'p' }, '--project keeps a finished run'],
  ])('refuses %j', (flags, message) => {
    expect(() => shardMode(flags)).toThrow(message);
  });

  it('reads a shard, a shard count, or neither', () => {
    expect(shardMode({ shard: '2/5' })).toEqual({ shard: { index: 2, count: 5 } });
    expect(shardMode({ shards: '5', project: 'p' })).toEqual({ shards: 5 });
    expect(shardMode({ project: 'p' })).toBeNull();
  });

  it.each([
    [['--shard', '5/3'], '--shard 5/3: the shard number must be from 1 to 3'],
    [['--shard', '1/2', '--shards', '2'], 'give one or the other'],
  ])(
    'refuses %j in one line, exit 2, before anything runs',
    (flags, message) => {
      const r = apprentice(['transfer', '--spec', spec, ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(message);
      expect(existsSync(join(root, 'out'))).toBe(false);
    },
    120_000,
  );

  it('names the missing shards when fusing before they are all done', () => {
    const one = apprentice(['transfer', '--spec', spec, '--shard', '1/2', '--json']);
    expect(one.stderr).toBe('');
    expect(one.code).toBe(0);
    expect(lastJson(one.stdout)).toMatchObject({ shard: '1/2', files: 1, images: 1, failed: 0, done: 'now' });
    const early = apprentice(['transfer', '--spec', spec, '--shards', '2', '--json']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('1 of 2 shard(s) have no output');
    expect(early.stderr).toContain('--shard 2/2');
  }, 300_000);

  it('makes a whole transfer from the shards', () => {
    const two = apprentice(['transfer', '--spec', spec, '--shard', '2/2']);
    expect(two.code).toBe(0);
    expect(two.stdout).toMatch(/shard 2\/2: 2 file\(s\), 2 image\(s\), 0 failed/);
    const r = apprentice(['transfer', '--spec', spec, '--shards', '2', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = lastJson(r.stdout) as { transferal: unknown; resumed: string[]; fusion: { images: number } };
    expect(j.transferal).toEqual({ images: 3, labeled: 3, corrected: 0, failed: 0 });
    expect(j.resumed).toEqual(['pseudo-label']);
    expect(j.fusion.images).toBe(3);
    // A shard after the fact finds the labels done and does nothing.
    const late = apprentice(['transfer', '--spec', spec, '--shard', '1/2']);
    expect(late.code).toBe(0);
    expect(late.stdout).toContain('done already; nothing to do');
  }, 300_000);
});
