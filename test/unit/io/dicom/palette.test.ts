/**
 * Palette colour DICOM: plain and segmented palette tables (PS3.3 C.7.9) expand to the RGB that pydicom's
 * apply_color_lut produces. The reference (test/fixtures/io/dicom-palette-reference.json) was made once
 * with Debian's pydicom 2.3.1 by `dicom_reference.py --palette`; 16-bit entries are compared by their
 * high byte, as Apprentice shows palettes at 8 bits.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBytes } from '../../../../electron/io/bytes.js';
import { expandSegmentedLut } from '../../../../electron/io/dicom/palette.js';
import { loadDicomImage, readDicomFile } from '../../../../electron/io/dicom/stack.js';
import type { PixelArray } from '../../../../electron/io/types.js';

const REPO = resolve(import.meta.dirname, '../../../..');
const ROOT = resolve(REPO, '../shared/data/dicom');

interface FrameStats {
  min: number;
  max: number;
  sum: number;
  wsum: number;
  count: number;
}
const reference = JSON.parse(
  readFileSync(resolve(REPO, 'test/fixtures/io/dicom-palette-reference.json'), 'utf8'),
) as Record<string, { frames: FrameStats[] }>;

/**
 * pydicom 2.3 reads non-segmented palette tables in the machine's byte order whatever the file's, so its
 * big-endian results are wrong; these files must equal their little-endian twins.
 */
const SAME_AS: Record<string, string> = {
  'pydicom-data/OBXXXX1A_expb.dcm': 'pydicom-data/OBXXXX1A.dcm',
  'pydicom-data/OBXXXX1A_expb_2frame.dcm': 'pydicom-data/OBXXXX1A_2frame.dcm',
};

/** The statistics dicom_reference.py records: weights 1..97 by sample index mod 97. */
function stats(a: PixelArray): FrameStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    wsum += v * ((i % 97) + 1);
  }
  return { min, max, sum, wsum, count: a.length };
}

describe('palette colour images against pydicom', () => {
  it('has a reference for the segmented-palette files', () => {
    expect(Object.keys(reference)).toEqual(
      expect.arrayContaining(['pydicom-data/gdcm-US-ALOKA-16.dcm', 'pydicom-data/gdcm-US-ALOKA-16_big.dcm']),
    );
  });

  it.each(Object.keys(reference))('%s expands to the reference RGB', { timeout: 30_000 }, async (rel) => {
    const stack = await readDicomFile(resolve(ROOT, rel));
    expect(stack.photometric).toBe('RGB');
    expect(stack.warnings).toBeUndefined();
    const want = reference[SAME_AS[rel] ?? rel]!.frames;
    expect(stack.slices.map((s) => stats(s.pixels))).toEqual(want);
  });
});

describe('segmented palette tables (PS3.3 C.7.9.2)', () => {
  it('copies discrete segments and interpolates linear ones up to and including their end value', () => {
    expect(expandSegmentedLut([0, 2, 0, 112], 2, 65536)).toEqual([0, 112]);
    // From 112 (exclusive) to 0 in 3 steps; a trailing odd entry is padding.
    expect(expandSegmentedLut([0, 1, 112, 1, 3, 0, 0], 2, 65536)).toEqual([112, 75, 37, 0]);
    // numpy.around rounds halves to even: 0 -> 5 in 2 steps is 2.5, 5.
    expect(expandSegmentedLut([0, 1, 0, 1, 2, 5], 2, 65536)).toEqual([0, 2, 5]);
  });

  it('replays segments through an indirect segment at a byte offset', () => {
    // 16-bit: offset 0 bytes, one segment; 8-bit: offset 0 as four bytes, low byte first, two segments.
    expect(expandSegmentedLut([0, 2, 0, 112, 2, 1, 0, 0], 2, 65536)).toEqual([0, 112, 0, 112]);
    expect(expandSegmentedLut([0, 2, 9, 7, 1, 2, 1, 2, 2, 0, 0, 0, 0], 1, 256)).toEqual([
      9, 7, 4, 1, 9, 7, 4, 1,
    ]);
  });

  it('bounds hostile tables: output capped at the entry count, no endless indirection', () => {
    expect(expandSegmentedLut([0, 1, 0, 1, 65535, 65535, 1, 65535, 0], 2, 1000)).toHaveLength(1000);
    // An indirect segment that points at itself.
    expect(() => expandSegmentedLut([0, 1, 5, 2, 1, 6, 0], 2, 65536)).toThrow(/nest too deep/);
    expect(() => expandSegmentedLut([1, 2, 5], 2, 65536)).toThrow(/first segment is a linear one/);
    expect(() => expandSegmentedLut([0, 9, 1, 2], 2, 65536)).toThrow(/runs past the end/);
    expect(() => expandSegmentedLut([0, 1, 5, 7, 1, 0], 2, 65536)).toThrow(/unknown segment type 7/);
  });
});

describe('a palette colour image whose tables cannot be used', () => {
  it('is shown as its stored indices in grey with a warning instead of being refused', async () => {
    const path = resolve(ROOT, 'pydicom-data/OBXXXX1A.dcm');
    const bytes = new Uint8Array(await readBytes(path));
    // Rename the Red Palette Color Lookup Table Data element (0028,1201) to an unknown tag.
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x28, 0x00, 0x01, 0x12, 0x4f, 0x57]));
    expect(at).toBeGreaterThan(0);
    bytes[at + 3] = 0x13;
    const stack = await readDicomFile(path, bytes);
    expect(stack.photometric).toBe('MONOCHROME2');
    expect(stack.samplesPerPixel).toBe(1);
    expect(stack.warnings).toEqual([
      {
        path,
        warning:
          'palette colour image without usable palette tables (the red table is unusable: it has no data); showing the stored palette indices as grey',
      },
    ]);
    const indices = (await loadDicomImage(path, await readBytes(path))).pixels.frames[0]!;
    expect(Array.from(stack.slices[0]!.pixels)).toEqual(Array.from(indices));
  });
});
