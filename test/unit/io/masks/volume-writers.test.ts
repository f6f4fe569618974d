// The NIfTI and SEG writers refuse a mask they cannot place, naming the series: another grid than the
// image's, or a DICOM series without positions/orientation. A single 2-D image without a patient space
// still gets a NIfTI on its pixel spacing.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNiftiMask } from '../../../../electron/io/masks/nifti.js';
import { writeDicomSeg } from '../../../../electron/io/masks/seg-write.js';
import type { MaskStack } from '../../../../electron/io/masks/types.js';
import { readNiftiBytes } from '../../../../electron/io/nifti/read.js';
import { scanFolder } from '../../../../electron/io/scan.js';
import { writeCtSeries } from '../../../helpers/synth-dicom.js';
import { tempDir } from '../../../helpers/temp.js';

const t = tempDir();
afterAll(() => t.cleanup());

const maskOf = (rows: number, cols: number, n: number): MaskStack => ({
  rows,
  cols,
  slices: Array.from({ length: n }, () => new Uint8Array(rows * cols).fill(1)),
  segments: [{ number: 1, label: 'x' }],
});

describe('volume writers on hostile input', () => {
  it('refuse a mask of another grid, naming the series', async () => {
    const s = writeCtSeries(
      join(t.dir, 'a'),
      [0, 2, 4].map((z) => ({ position: [0, 0, z] as [number, number, number] })),
    );
    const stack = (await scanFolder(s.dir)).stacks[0]!;
    const wrong = maskOf(6, 8, 2);
    const msg = `Series ${s.seriesUid}: the mask is 8x6x2, the image 8x6x3`;
    expect(() => writeNiftiMask(wrong, stack)).toThrow(msg);
    expect(() => writeDicomSeg(wrong, stack)).toThrow(msg);
    // The right grid writes.
    expect(readNiftiBytes('m.nii', writeNiftiMask(maskOf(6, 8, 3), stack, false)).slices).toHaveLength(3);
  });

  it('refuse a series without ImagePositionPatient/ImageOrientationPatient, naming it', async () => {
    const s = writeCtSeries(
      join(t.dir, 'b'),
      [1, 2, 3].map((k) => ({ position: null, orientation: null, instanceNumber: k })),
    );
    const stack = (await scanFolder(s.dir)).stacks[0]!;
    const mask = maskOf(6, 8, 3);
    expect(() => writeNiftiMask(mask, stack)).toThrow(`Series ${s.seriesUid}: has no ImagePositionPatient`);
    expect(() => writeDicomSeg(mask, stack)).toThrow(`Series ${s.seriesUid}: has no ImagePositionPatient`);
  });

  it('places a single 2-D image without geometry on its pixel spacing', async () => {
    const s = writeCtSeries(join(t.dir, 'c'), [
      { position: null, orientation: null, pixelSpacing: [0.4, 0.6] },
    ]);
    const stack = (await scanFolder(s.dir)).stacks[0]!;
    const back = readNiftiBytes('m.nii', writeNiftiMask(maskOf(6, 8, 1), stack, false));
    expect(back.pixelSpacing!.map((v) => Number(v.toFixed(5)))).toEqual([0.4, 0.6]);
  });
});
