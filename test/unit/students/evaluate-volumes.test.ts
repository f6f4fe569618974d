// Folders of NIfTI volumes scored per slice and per volume (3-D Dice, HD95 in mm), through the module
// and the `apprentice evaluate` command; a prediction off the truth's grid is refused naming both files.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNifti } from '../../../electron/io/nifti/write.js';
import { evaluateMaskFolders, evaluateModel } from '../../../electron/students/evaluate-run.js';
import { writeLayersModel } from '../../../electron/students/export/tfjs-layers.js';
import { buildModel, resolveConfig } from '../../../electron/engine/zoo/index.js';
import { isVolumeFolder } from '../../../electron/students/evaluate-volumes.js';
import { REPO_ROOT, tempDir } from '../../helpers/temp.js';

const t = tempDir('apprentice-volumes-');
afterAll(() => t.cleanup());
const [NX, NY, NZ] = [5, 4, 6];
// 0.8 mm columns (i), 0.9 mm rows (j), 2.5 mm slices (k), oblique in-plane.
const c = Math.cos(0.3),
  s = Math.sin(0.3);
const AFFINE = [0.8 * c, -0.9 * s, 0, 10, 0.8 * s, 0.9 * c, 0, -4, 0, 0, 2.5, 30, 0, 0, 0, 1];

/** A volume whose slices in `on` are all foreground. */
function volume(on: number[], affine = AFFINE, nz = NZ): Uint8Array {
  const data = new Uint8Array(NX * NY * nz);
  for (const k of on) data.fill(1, k * NX * NY, (k + 1) * NX * NY);
  return writeNifti({ data, dims: [NX, NY, nz], affine }, true);
}

function folder(name: string, files: Record<string, Uint8Array>): string {
  const dir = join(t.dir, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, bytes] of Object.entries(files)) writeFileSync(join(dir, f), bytes);
  return dir;
}

const truth = folder('truth', { 'case1.nii.gz': volume([1]), 'case2.nii.gz': volume([]) });
const pred = folder('pred', { 'case1.nii.gz': volume([1, 3]), 'case2.nii.gz': volume([]) });

describe('evaluating folders of volumes', () => {
  it('scores each slice and each volume whole, HD95 in mm along the slice spacing', async () => {
    expect(isVolumeFolder(truth)).toBe(true);
    const ev = await evaluateMaskFolders(pred, truth);
    expect(ev.cases).toHaveLength(2 * NZ);
    expect(ev.cases[0]!.case).toBe('case1 [1]');
    const [v1, v2] = ev.volumes!.cases;
    // case1: 20 shared voxels of 20 + 40: Dice 2/3. A third of the surface distances are two slices
    // (2 x 2.5 mm), the rest 0: HD95 5 mm.
    expect(v1).toMatchObject({ volume: 'case1', slices: NZ, truth_voxels: 20, pred_voxels: 40 });
    expect(v1!.dice).toBeCloseTo(2 / 3, 12);
    expect(v1!.hd95_mm).toBeCloseTo(5, 5);
    expect(v1!.spacing.map((x) => Number(x.toFixed(4)))).toEqual([0.9, 0.8, 2.5]);
    // case2: both empty, Dice 1 and HD95 0 by convention.
    expect(v2).toMatchObject({ dice: 1, hd95_mm: 0 });
    expect(ev.volumes!.summary).toMatchObject({ n: 2, hd95_mm_n: 2 });
    expect(ev.volumes!.summary.dice_mean).toBeCloseTo(5 / 6, 12);
  });

  it('refuses a prediction of another size or on another grid, naming both files', async () => {
    const small = folder('pred-small', { 'case1.nii.gz': volume([1], AFFINE, NZ - 1) });
    const t1 = folder('truth-one', { 'case1.nii.gz': volume([1]) });
    await expect(evaluateMaskFolders(small, t1)).rejects.toThrow(
      new RegExp(`pred-small/case1.nii.gz is 5x4x5 but its ground truth .*truth-one/case1.nii.gz is 5x4x6`),
    );
    const shifted = AFFINE.slice();
    shifted[3] = 12;
    const moved = folder('pred-moved', { 'case1.nii.gz': volume([1], shifted) });
    await expect(evaluateMaskFolders(moved, t1)).rejects.toThrow(
      /pred-moved\/case1.nii.gz is not on the grid of its ground truth .*affines differ/,
    );
  });

  it('prints the volumes from `apprentice evaluate`, and lists them in --json', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(REPO_ROOT, 'electron', 'cli', 'apprentice.mjs'), ...args], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
    const text = run(['evaluate', '--masks', truth, '--pred', pred]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /2 volume\(s\), scored whole: Dice 0\.8333, HD95 2\.5000 mm over 2 volume\(s\)/,
    );
    expect(text.stdout).toMatch(
      /case1: 6 slices, Dice 0\.6667, HD95 5\.0000 mm \(voxels 0\.900 x 0\.800 x 2\.500 mm\)/,
    );
    const json = run(['evaluate', '--masks', truth, '--pred', pred, '--json']);
    const out = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as {
      volumes: { cases: { volume: string; hd95_mm: number }[] };
    };
    expect(out.volumes.cases.map((v) => v.volume)).toEqual(['case1', 'case2']);
  });

  it('runs a model slice by slice on image volumes and scores each volume whole', async () => {
    // An untrained tiny U-Net: what matters is that its slices are stacked back and pooled as a volume.
    const model = buildModel(resolveConfig('unet-tiny', { size: 32, width: 4, depth: 2, seed: 3 }));
    const modelDir = join(t.dir, 'model');
    await writeLayersModel(modelDir, model);
    model.dispose();
    const img = new Uint8Array(NX * NY * NZ).map((_, i) => (i * 37) % 251);
    const images = folder('images', {
      'case1.nii.gz': writeNifti({ data: img, dims: [NX, NY, NZ], affine: AFFINE }, true),
    });
    const t1 = folder('truth-model', { 'case1.nii.gz': volume([1, 2]) });
    const ev = await evaluateModel(modelDir, images, t1);
    expect(ev.cases).toHaveLength(NZ);
    const v = ev.volumes!.cases[0]!;
    expect(v.slices).toBe(NZ);
    // The volume pools the slices: its voxel counts and Dice follow from the per-slice rows.
    const nt = ev.cases.reduce((a, c) => a + c.truth_pixels, 0);
    const np = ev.cases.reduce((a, c) => a + c.pred_pixels, 0);
    const tp = ev.cases.reduce((a, c) => a + (c.dice * (c.truth_pixels + c.pred_pixels)) / 2, 0);
    expect([v.truth_voxels, v.pred_voxels]).toEqual([nt, np]);
    // (This seed predicts some foreground and some background, so the pooling is not trivially 0 or 1.)
    expect(np).toBeGreaterThan(0);
    expect(np).toBeLessThan(NX * NY * NZ);
    expect(v.dice).toBeCloseTo(nt + np === 0 ? 1 : (2 * tp) / (nt + np), 9);
  });
});
