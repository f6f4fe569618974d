// `apprentice infer` and `apprentice fuse` through the real bin shim, on a few BUS-BRA images.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, SHARED_DIR, tempDir } from '../../helpers/temp.js';

const DATA = join(SHARED_DIR, 'data', 'bus-bra');
const TEACHERS = join(SHARED_DIR, 'teachers');

function apprentice(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!) as Record<string, unknown>;

function sample(dir: string, n: number): { images: string; masks: string; names: string[] } {
  const images = join(dir, 'images');
  const masks = join(dir, 'masks');
  mkdirSync(images);
  mkdirSync(masks);
  const names = readdirSync(join(DATA, 'images'))
    .sort()
    .filter((_, i) => i % 50 === 0)
    .slice(0, n);
  for (const f of names) {
    symlinkSync(join(DATA, 'images', f), join(images, f));
    symlinkSync(join(DATA, 'masks', f), join(masks, f));
  }
  return { images, masks, names };
}

function diceOf(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let p = 0;
  let g = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i]) p++;
    if (b[i]) g++;
    if (a[i] && b[i]) inter++;
  }
  return g === 0 ? (p === 0 ? 1 : 0) : (2 * inter) / (p + g);
}

describe('apprentice infer / fuse', () => {
  it("writes one 0/255 PNG per image at the image's size and reports dice_mean against --masks", () => {
    const t = tempDir();
    try {
      const { images, masks, names } = sample(t.dir, 6);
      const out = join(t.dir, 'out');
      const probs = join(t.dir, 'probs');
      const r = apprentice([
        'infer',
        '--teacher',
        join(TEACHERS, 'unet-busi.json'),
        '--teacher',
        join(TEACHERS, 'resunet-busi.json'),
        '--images',
        images,
        '--out',
        out,
        '--masks',
        masks,
        '--probs',
        probs,
        '--fuse',
        'vote',
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const summary = lastJson(r.stdout);
      expect(summary).toMatchObject({
        written: names.length,
        failed: 0,
        fusion: 'vote',
        with_ground_truth: names.length,
      });
      // Where each teacher ran: whatever 'auto' found on this machine, named per teacher.
      const ranOn = summary.teacher_providers as Record<string, string>;
      expect(Object.keys(ranOn)).toEqual(['unet-busi', 'resunet-busi']);
      for (const p of Object.values(ranOn)) expect(['cpu', 'webgpu', 'cuda']).toContain(p);
      const dices: number[] = [];
      for (const f of names) {
        const m = decode(readFileSync(join(out, f)));
        const img = decode(readFileSync(join(images, f)));
        expect([m.width, m.height, m.channels, m.depth]).toEqual([img.width, img.height, 1, 8]);
        expect(new Set(m.data)).toSatisfy((s: Set<number>) => [...s].every((v) => v === 0 || v === 255));
        dices.push(diceOf(m.data as Uint8Array, decode(readFileSync(join(masks, f))).data as Uint8Array));
      }
      expect(summary.dice_mean as number).toBeCloseTo(dices.reduce((a, b) => a + b) / dices.length, 10);
      expect(readdirSync(join(probs, 'unet-busi')).sort()).toEqual(names);

      // The maps written with --probs fuse again with `apprentice fuse`, and vote gives the same masks.
      const fused = join(t.dir, 'fused');
      const f = apprentice([
        'fuse',
        '--probs',
        join(probs, 'unet-busi'),
        '--probs',
        join(probs, 'resunet-busi'),
        '--fuse',
        'vote',
        '--out',
        fused,
        '--masks',
        masks,
        '--json',
      ]);
      expect(f.code, f.stderr).toBe(0);
      expect(lastJson(f.stdout)).toMatchObject({ written: names.length, dice_mean: summary.dice_mean });
      for (const n of names)
        expect(readFileSync(join(fused, n)).equals(readFileSync(join(out, n))), n).toBe(true);
    } finally {
      t.cleanup();
    }
  });

  it('refuses a file that is not a model and a card that does not fit its model, in one line', () => {
    const t = tempDir();
    try {
      const { images } = sample(t.dir, 1);
      writeFileSync(join(t.dir, 'junk.onnx'), 'not a model');
      const junk = apprentice([
        'infer',
        '--teacher',
        join(t.dir, 'junk.onnx'),
        '--images',
        images,
        '--out',
        join(t.dir, 'o'),
      ]);
      expect(junk.code).toBe(2);
      expect(junk.stderr.trim().split('\n')).toHaveLength(1);
      expect(junk.stderr).toMatch(/junk\.onnx cannot be loaded as an ONNX model/);
      const card = JSON.parse(readFileSync(join(TEACHERS, 'fcn-busi.json'), 'utf8')) as {
        input: Record<string, unknown>;
        onnx: Record<string, unknown>;
      };
      card.input.channels = 1;
      card.input.mean = [0.5];
      card.input.std = [0.25];
      card.onnx.file = join(TEACHERS, 'fcn-busi.onnx');
      writeFileSync(join(t.dir, 'wrong.json'), JSON.stringify(card));
      const wrong = apprentice([
        'infer',
        '--teacher',
        join(t.dir, 'wrong.json'),
        '--images',
        images,
        '--out',
        join(t.dir, 'o'),
      ]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(
        /card says channels 1 \(NCHW\) but the model input "input" is \[batch, 3, 224, 224\]/,
      );
      expect(wrong.stderr).not.toMatch(/\n\s+at /);
    } finally {
      t.cleanup();
    }
  });
});
