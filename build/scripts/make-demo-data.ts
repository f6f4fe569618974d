/**
 * Writes the bundled demo dataset (build/demo/hc18) from the HC18 mirror in ../shared/data/hc18:
 * a seeded choice of cases (both images of a patient stay together), each image scaled so its long side
 * is 128 px, masks scaled the same way and thresholded, split into three disjoint parts:
 *   teachers/   labeled images the demo trains its two teachers on,
 *   transferal/ images only (the unlabeled set the teachers pseudo-label),
 *   test/       held-out images with masks, never seen by teachers or student.
 * Run once by a developer (`npx tsx build/scripts/make-demo-data.ts`); the output is committed.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readImageFile } from '../../electron/io/read.js';
import { resizeBilinear } from '../../electron/engine/image/resize.js';
import { Rng } from '../../electron/students/rng.js';
import { writeGreyPng } from '../../electron/teachers/png.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SOURCE = join(ROOT, '..', 'shared', 'data', 'hc18');
const OUT = join(ROOT, 'build', 'demo', 'hc18');
const LONG_SIDE = 128;
const PARTS = { teachers: 50, transferal: 80, test: 40 } as const;
const SEED = 7;

async function scaled(
  file: string,
  isMask: boolean,
): Promise<{ px: Uint8Array; rows: number; cols: number }> {
  const img = await readImageFile(file);
  const { rows, cols } = img;
  const p = img.slices[0]!.pixels;
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = p[i * img.samplesPerPixel]!;
  const k = LONG_SIDE / Math.max(rows, cols);
  const r = Math.round(rows * k);
  const c = Math.round(cols * k);
  const y = resizeBilinear(x, rows, cols, r, c);
  const px = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++)
    px[i] = isMask ? (y[i]! >= 127.5 ? 255 : 0) : Math.max(0, Math.min(255, Math.round(y[i]!)));
  return { px, rows: r, cols: c };
}

async function main(): Promise<void> {
  const manifest = readFileSync(join(SOURCE, 'manifest.csv'), 'utf8').trim().split('\n').slice(1);
  const ids = manifest.map((line) => line.split(',')[0]!);
  // HC18 names a patient's second scan 010_2HC: the case is the leading number.
  const byCase = new Map<string, string[]>();
  for (const id of ids) {
    const c = id.split('_')[0]!;
    byCase.set(c, [...(byCase.get(c) ?? []), id]);
  }
  const cases = [...byCase.keys()].sort();
  const rng = new Rng(SEED);
  for (let i = cases.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [cases[i], cases[j]] = [cases[j]!, cases[i]!];
  }
  rmSync(OUT, { recursive: true, force: true });
  const rows: string[] = ['id,case,part,width,height,source'];
  let next = 0;
  for (const [part, want] of Object.entries(PARTS)) {
    const images = join(OUT, part, 'images');
    const masks = join(OUT, part, 'masks');
    mkdirSync(images, { recursive: true });
    if (part !== 'transferal') mkdirSync(masks, { recursive: true });
    let n = 0;
    while (n < want) {
      const c = cases[next++]!;
      for (const id of byCase.get(c)!) {
        const img = await scaled(join(SOURCE, 'images', `${id}.png`), false);
        writeGreyPng(join(images, `${id}.png`), img.px, img.rows, img.cols);
        if (part !== 'transferal') {
          const m = await scaled(join(SOURCE, 'masks', `${id}.png`), true);
          writeGreyPng(join(masks, `${id}.png`), m.px, m.rows, m.cols);
        }
        rows.push(`${id},${c},${part},${img.cols},${img.rows},hc18/images/${id}.png`);
        n++;
      }
    }
  }
  writeFileSync(join(OUT, 'manifest.csv'), rows.join('\n') + '\n');
  console.log(`${rows.length - 1} images written to ${OUT}`);
}

await main();
