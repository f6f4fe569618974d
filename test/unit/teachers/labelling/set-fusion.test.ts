// The pseudo-labelling core's fusion of a set: 'auto' weighs teachers by agreement over the whole set (two
// passes, the maps re-read in the second), other methods fuse image by image, and the report says so.
import { describe, expect, it } from 'vitest';
import { autoFuse, estimateAutoWeights } from '../../../../electron/teachers/label-free/auto.js';
import {
  runLabelling,
  type FusedImage,
  type MapsChunk,
} from '../../../../electron/teachers/labelling/run-labelling.js';
import { SetFusion } from '../../../../electron/teachers/labelling/set-fusion.js';

const R = 24;
const C = 24;

/** A disc of radius r at (cy, cx), probability p inside, q outside. */
function disc(cy: number, cx: number, r: number, p = 0.9, q = 0.05): Float32Array {
  const m = new Float32Array(R * C);
  for (let y = 0; y < R; y++)
    for (let x = 0; x < C; x++) m[y * C + x] = (y - cy) ** 2 + (x - cx) ** 2 <= r * r ? p : q;
  return m;
}

/** Six images: teachers A and B see the lesion where it is, C sees it elsewhere; the last image is empty for all. */
function constructed(): Float32Array[][] {
  const images: Float32Array[][] = [];
  for (let k = 0; k < 5; k++) {
    const cy = 8 + k * 2;
    images.push([disc(cy, 10, 5), disc(cy, 11, 5, 0.8), disc(20 - k, 4, 3, 0.7)]);
  }
  images.push([new Float32Array(R * C), new Float32Array(R * C), new Float32Array(R * C)]);
  return images;
}

/** An in-memory front end that records what the loop asks for. */
function memoryFrontEnd(images: Float32Array[][], chunkSize: number) {
  const items = images.map((_, k) => ({ k, rows: R, cols: C }));
  const labels = new Map<number, FusedImage<(typeof items)[number]>>();
  const log: string[] = [];
  return {
    labels,
    log,
    fe: {
      units: items.length,
      chunkSize,
      async computeMaps(from: number, to: number): Promise<MapsChunk<(typeof items)[number]>> {
        log.push(`maps ${from}-${to}`);
        return { images: items.slice(from, to).map((item) => ({ item, maps: images[item.k]! })) };
      },
      commitMaps(_c: unknown, ls: FusedImage<(typeof items)[number]>[] | null) {
        log.push(ls ? 'commit maps+labels' : 'commit maps');
        for (const l of ls ?? []) labels.set(l.item.k, l);
      },
      readMaps(item: (typeof items)[number]) {
        log.push(`read ${item.k}`);
        return images[item.k]!;
      },
      commitLabels(ls: FusedImage<(typeof items)[number]>[]) {
        log.push('commit labels');
        for (const l of ls) labels.set(l.item.k, l);
      },
      throwIfCancelled() {},
    },
  };
}

describe('SetFusion and runLabelling', () => {
  it("'auto' weighs the agreeing teachers up over the whole set, in two passes, and fuses with autoFuse", async () => {
    const images = constructed();
    const fusion = new SetFusion(['A', 'B', 'C'], { method: 'auto', ttaViews: ['identity', 'flip'] });
    expect(fusion.needsFirstPass).toBe(true);
    const m = memoryFrontEnd(images, 4);
    const report = await runLabelling(m.fe, fusion);
    const w = estimateAutoWeights(images);
    expect(fusion.autoWeights()).toEqual(w);
    // A and B agree with each other, C with no one: it weighs least.
    expect(w[0]! - w[2]!).toBeGreaterThan(0.1);
    expect(w[1]! - w[2]!).toBeGreaterThan(0.1);
    // Every map was computed before the first label (pass 2 reads them back), never fused in pass 1.
    expect(m.log.indexOf('read 0')).toBeGreaterThan(m.log.lastIndexOf('commit maps'));
    expect(m.log).not.toContain('commit maps+labels');
    for (const [k, maps] of images.entries()) {
      const ref = autoFuse(maps, w);
      expect(Array.from(m.labels.get(k)!.fused.mask)).toEqual(Array.from(ref.mask));
      expect(m.labels.get(k)!.fused.threshold).toBe(ref.threshold);
    }
    expect(report).toMatchObject({
      method: 'auto',
      ttaViews: ['identity', 'flip'],
      weightsFrom: 'this-set',
      images: 6,
      emptyImages: 1,
      threshold: { perImage: true },
    });
    expect(report.teachers.map((t) => t.weight)).toEqual(w);
    expect(report.teachers[2]!.agreement!).toBeLessThan(report.teachers[0]!.agreement!);
    const ts = [...m.labels.values()].map((l) => l.fused.threshold).filter((t): t is number => t !== null);
    expect(report.threshold.min).toBe(Math.min(...ts));
    expect(report.threshold.max).toBe(Math.max(...ts));
    expect(report.why).toMatch(/agreement .* 6 image\(s\)/);
    expect(report.why).toMatch(/1 image\(s\) judged empty/);
  });

  it('reuses weights from another set in one pass, and fuses other methods image by image', async () => {
    const images = constructed();
    const reuse = [0.5, 0.3, 0.2];
    const fusion = new SetFusion(['A', 'B', 'C'], { method: 'auto', reuseWeights: reuse });
    expect(fusion.needsFirstPass).toBe(false);
    const m = memoryFrontEnd(images, 4);
    const report = await runLabelling(m.fe, fusion);
    expect(m.log.some((l) => l.startsWith('read'))).toBe(false);
    expect(Array.from(m.labels.get(0)!.fused.mask)).toEqual(Array.from(autoFuse(images[0]!, reuse).mask));
    expect(report).toMatchObject({ weightsFrom: 'reused', images: 6 });
    expect(report.teachers.map((t) => t.weight)).toEqual(reuse);

    const mean = new SetFusion(['A', 'B', 'C'], { method: 'mean', threshold: 0.4 });
    const mm = memoryFrontEnd(images, 4);
    const r = await runLabelling(mm.fe, mean, { largestComponent: true });
    expect(mm.log).toContain('commit maps+labels');
    expect(r).toMatchObject({
      method: 'mean',
      ttaViews: [],
      threshold: { perImage: false, median: 0.4, min: 0.4, max: 0.4 },
    });
    expect(r.teachers.map((t) => t.weight)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(r.why).toMatch(/^Mean probability of 3 teacher\(s\) cut at 0.4/);
  });

  it('refuses bad options before any work', () => {
    expect(() => new SetFusion(['A', 'B'], { method: 'weighted', weights: [1] })).toThrow(/2 weight/);
    expect(() => new SetFusion(['A', 'B'], { method: 'auto', reuseWeights: [1] })).toThrow(/Reused/);
  });
});
