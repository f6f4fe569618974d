/**
 * Scale benchmark, pseudo-labelling section: two teachers ('auto' fusion: pass 1 stores each teacher's
 * map on disk, pass 2 fuses every image from its stored maps with the set's weights) over a folder of
 * ctx.slices / 500 and ctx.slices / 50 images with ground truth, each in a fresh process; peak RSS
 * (VmHWM) of both and their ratio. The teachers are BUS-BRA's ONNX models at 256 px, about a second
 * per image on two busy cores, so the sizes are smaller than training's; memory must not grow with them.
 *
 *   tsx test/bench/scale/labelling.ts [--data DIR] [--slices 50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PAIRS_DIR, peakRatioRow, runChild } from './child.js';
import type { LabelChildJob, LabelChildResult } from './label-child.js';
import { ensurePairFolders } from './train-data.js';
import type { ScaleContext, ScaleRow } from './types.js';

const TEACHERS = ['fcn-busi', 'unet-busi'].map((t) =>
  resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'teachers', `${t}.json`),
);

export async function measureLabelling(
  ctx: ScaleContext,
  options: { pairsDir?: string; sizes?: [number, number] } = {},
): Promise<ScaleRow[]> {
  const [small, large] = options.sizes ?? [
    // Several chunks at each size (a chunk is at least 8 images): a run shorter than one chunk would
    // compare a smaller batch's memory, not the set's size.
    Math.max(50, Math.round(ctx.slices / 500)),
    Math.max(500, Math.round(ctx.slices / 50)),
  ];
  // The training pairs' folder holds the largest set; smaller ones are links to its first files.
  const root = options.pairsDir ?? DEFAULT_PAIRS_DIR;
  const folders = ensurePairFolders(root, [small, large, Math.max(large, ctx.slices)]);
  const scratch = mkdtempSync(join(ctx.workDir, 'label-'));
  const runs = new Map<number, LabelChildResult>();
  try {
    for (const n of [small, large]) {
      const f = folders.get(n)!;
      const job: LabelChildJob = {
        images: f.images,
        masks: f.masks,
        out: join(scratch, `labels-${n}`),
        teachers: TEACHERS,
        tta: false,
      };
      runs.set(n, runChild<LabelChildResult>('label-child.ts', job));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const a = runs.get(small)!,
    b = runs.get(large)!;
  const row = (n: number, r: LabelChildResult): ScaleRow => ({
    section: 'labelling',
    name: `peak RSS, pseudo-labelling ${n.toLocaleString('en')} images`,
    value: r.vmHwmMb,
    unit: 'MiB',
    target: 'reference',
    met: r.failed === 0 && r.written === n,
    note:
      `2 teachers, ${r.fusion} fusion (2 passes, maps on disk), ${r.written}/${r.images} labels, ` +
      `${r.seconds} s, Dice vs the copies' masks ${r.diceMean?.toFixed(3) ?? '-'}`,
  });
  return [
    row(small, a),
    row(large, b),
    peakRatioRow('labelling', 'images', { n: small, vmHwmMb: a.vmHwmMb }, { n: large, vmHwmMb: b.vmHwmMb }),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: v } = parseArgs({
    options: {
      data: { type: 'string', default: DEFAULT_PAIRS_DIR },
      slices: { type: 'string', default: '50000' },
      sizes: { type: 'string' },
    },
  });
  const work = mkdtempSync('/tmp/apprentice-label-scale-work-');
  try {
    const sizes = v.sizes?.split(',').map(Number) as [number, number] | undefined;
    const rows = await measureLabelling(
      { dataDir: v.data, projectDir: '', workDir: work, slices: Number(v.slices) },
      { pairsDir: v.data, ...(sizes ? { sizes } : {}) },
    );
    for (const r of rows)
      console.log(
        `${r.name}: ${r.value} ${r.unit} (target ${r.target}${r.met ? '' : ', NOT met'})${r.note ? ` - ${r.note}` : ''}`,
      );
    console.log(JSON.stringify(rows));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
