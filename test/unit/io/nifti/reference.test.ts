/**
 * ../shared/data/nifti against its inventory.csv (nibabel 5.0): shape, voxel size and, over all volumes,
 * the scaled value range and number of distinct values. Non-NIfTI files there (MGH, CIFTI, PAR/REC, text)
 * must be refused with a specific reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors.js';
import { readImageFile } from '../../../../electron/io/read.js';

const ROOT = resolve(import.meta.dirname, '../../../../../shared/data/nifti');

/** Splits one CSV line, honouring double quotes. */
function csv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const rows = readFileSync(resolve(ROOT, 'inventory.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map(csv)
  .map(([path, , format, shape, , zooms, , , data]) => ({
    path: path!,
    format: format!,
    shape: shape!,
    zooms: zooms!,
    data: data!,
  }));

const nums = (s: string): number[] => (s.match(/-?[\d.]+(e[+-]?\d+)?|nan/gi) ?? []).map(Number);
const close = (a: number, b: number, rel: number): boolean =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));
const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

describe('NIfTI sample files against the nibabel inventory', () => {
  const niftiRows = rows.filter((r) => r.format.startsWith('Nifti') && r.data.startsWith('ok'));

  it('lists the files this test expects', () => {
    expect(niftiRows.length).toBe(12);
  });

  it.each(niftiRows.map((r) => [r.path, r] as const))('%s', async (_, row) => {
    const path = resolve(ROOT, row.path);
    const first = await readImageFile(path);
    const shape = nums(row.shape);
    const volumes = (first.meta.volumes as number) ?? 1;
    expect(sorted([first.cols, first.rows, first.slices.length])).toEqual(sorted(shape.slice(0, 3)));
    expect(volumes).toBe(shape[3] ?? 1);
    const zooms = nums(row.zooms).slice(0, 3);
    const spacing = sorted([first.pixelSpacing![0], first.pixelSpacing![1], first.sliceSpacing!]);
    sorted(zooms).forEach((z, i) =>
      expect(close(spacing[i]!, z, 1e-4), `spacing ${spacing} vs ${zooms}`).toBe(true),
    );

    let min = Infinity;
    let max = -Infinity;
    let nan = false;
    const distinct = new Set<number>();
    for (let v = 0; v < volumes; v++) {
      const stack = v === 0 ? first : await readImageFile(path, { volume: v });
      for (const slice of stack.slices) {
        for (const x of slice.pixels) {
          if (Number.isNaN(x)) {
            nan = true;
            continue;
          }
          if (x < min) min = x;
          if (x > max) max = x;
          distinct.add(x);
        }
      }
    }
    const [wantMin, wantMax, wantUnique] = nums(row.data);
    if (Number.isNaN(wantMin)) expect(nan).toBe(true);
    else {
      // The inventory prints 4 significant digits.
      expect(close(min, wantMin!, 1e-3), `min ${min} vs ${wantMin}`).toBe(true);
      expect(close(max, wantMax!, 1e-3), `max ${max} vs ${wantMax}`).toBe(true);
    }
    // numpy.unique counts all NaNs as one value.
    expect(distinct.size + (nan ? 1 : 0)).toBe(wantUnique);
  });

  it('reads each volume of a 4-D file on request and refuses one that does not exist', async () => {
    const path = resolve(ROOT, 'nibabel-debian/tests__data__functional.nii');
    const v0 = await readImageFile(path);
    const v19 = await readImageFile(path, { volume: 19 });
    expect(v0.meta.volumes).toBe(20);
    expect(v19.meta.volume).toBe(19);
    expect(v19.slices[0]!.provenance.volumeIndex).toBe(19);
    expect(Array.from(v19.slices[1]!.pixels)).not.toEqual(Array.from(v0.slices[1]!.pixels));
    await expect(readImageFile(path, { volume: 20 })).rejects.toThrow(
      /volume 20 does not exist \(the file has 20\)/,
    );
  });

  const others = ['mricron-data', 'nibabel-debian']
    .flatMap((d) => readdirSync(resolve(ROOT, d)).map((f) => `${d}/${f}`))
    .filter((p) => !niftiRows.some((r) => r.path === p));

  it.each(others)('refuses %s with a reason', async (rel) => {
    const path = resolve(ROOT, rel);
    const err = await readImageFile(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('UNSUPPORTED');
    expect((err as AppError).message).toMatch(/CIFTI|MGH|PAR\/REC|format not recognised/);
  });
});
