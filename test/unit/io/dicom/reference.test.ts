/**
 * Every file of ../shared/data/dicom either decodes to the pixel values an independent reader produced,
 * or is refused with a specific AppError. The reference (test/fixtures/io/dicom-reference.json) was made
 * with Debian's pydicom 2.3.1 + GDCM by test/fixtures/io/dicom_reference.py; see that script for what the
 * statistics cover (stored values masked to BitsStored, colour as RGB, palette indices).
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors.js';
import { loadDicomImage } from '../../../../electron/io/dicom/stack.js';
import { readBytes } from '../../../../electron/io/bytes.js';
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
type Reference = Record<string, { frames?: FrameStats[]; error?: string }>;

const reference = JSON.parse(
  readFileSync(resolve(REPO, 'test/fixtures/io/dicom-reference.json'), 'utf8'),
) as Reference;
const inventory = readFileSync(resolve(ROOT, 'inventory.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',')[0]!);

/**
 * Files whose pixels must equal another file's reference: the same image in another encoding, where the
 * reference reader failed (deflate, 1-bit RLE, J2K SEG: GDCM crashed) or is wrong (pydicom 2.3 does not
 * byte-swap 8-bit OW pixel data in big-endian files, PS3.5 A.3; its own little-endian twin shows it).
 */
const SAME_AS: Record<string, string> = {
  'pydicom-data/liver_rle.dcm': 'pydicom-data/liver.dcm',
  'pydicom-data/liver_deflate.dcm': 'pydicom-data/liver.dcm',
  'pydicom-data/liver_j2k.dcm': 'pydicom-data/liver.dcm',
  'pydicom-data/liver_nonbyte_aligned_rle.dcm': 'pydicom-data/liver_nonbyte_aligned.dcm',
  'pydicom-data/liver_nonbyte_aligned_deflate.dcm': 'pydicom-data/liver_nonbyte_aligned.dcm',
  'pydicom-data/liver_nonbyte_aligned_j2k.dcm': 'pydicom-data/liver_nonbyte_aligned.dcm',
  'pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm': 'pydicom-data/emri_small.dcm',
  'pydicom-data/OBXXXX1A_expb.dcm': 'pydicom-data/OBXXXX1A.dcm',
  'pydicom-data/OBXXXX1A_expb_2frame.dcm': 'pydicom-data/OBXXXX1A_2frame.dcm',
  // A sequence delimiter overwrites the J2K SIZ marker's Rsiz and the high half of Xsiz (width 3722445056);
  // GDCM decodes noise (-32759..32753). Decoded with the DICOM header's width, it equals its intact twin.
  'pydicom-debian-testfiles/JPEG2000-embedded-sequence-delimiter.dcm':
    'pydicom-debian-testfiles/JPEG2000.dcm',
};

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

type Outcome = { kind: 'decoded'; frames: PixelArray[] } | { kind: 'refused'; error: AppError };

async function decode(rel: string): Promise<Outcome> {
  const path = resolve(ROOT, rel);
  try {
    const image = await loadDicomImage(path, await readBytes(path), { allowSeg: true });
    return { kind: 'decoded', frames: image.pixels.frames };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { kind: 'refused', error: err };
  }
}

describe('DICOM sample files against the pydicom/GDCM reference', () => {
  it('has the data and the reference for all 187 inventory files', () => {
    expect(existsSync(ROOT)).toBe(true);
    expect(inventory).toHaveLength(187);
    for (const rel of inventory) expect(reference[rel], rel).toBeDefined();
  });

  const tally = { matched: 0, refused: 0, decodedWithoutReference: 0 };

  it.each(inventory)('%s', async (rel) => {
    const outcome = await decode(rel);
    const expected = reference[SAME_AS[rel] ?? rel]?.frames;
    if (expected) {
      if (outcome.kind === 'refused')
        throw new Error(`refused a file the reference decoded: ${outcome.error.message}`);
      expect(outcome.frames).toHaveLength(expected.length);
      outcome.frames.forEach((frame, i) => {
        const got = stats(frame);
        const want = expected[i]!;
        if (frame instanceof Float32Array) {
          // Double Float Pixel Data is held as float32: compare within float32 precision.
          for (const k of ['min', 'max', 'sum', 'wsum'] as const) {
            expect(Math.abs(got[k] - want[k]), `${rel} frame ${i} ${k}`).toBeLessThanOrEqual(
              1e-6 * Math.max(1, Math.abs(want[k])),
            );
          }
          expect(got.count).toBe(want.count);
        } else {
          expect(got, `${rel} frame ${i}`).toEqual(want);
        }
      });
      tally.matched++;
      return;
    }
    // No usable reference: decoding is fine, and a refusal must be a specific AppError naming the file.
    if (outcome.kind === 'refused') {
      expect(['BAD_FILE', 'UNSUPPORTED', 'TOO_LARGE']).toContain(outcome.error.code);
      expect(outcome.error.message.startsWith(resolve(ROOT, rel) + ': ')).toBe(true);
      expect(outcome.error.message).not.toMatch(/undefined|\[object|\n/);
      expect(outcome.error.detail?.path).toBe(resolve(ROOT, rel));
      tally.refused++;
    } else {
      expect(outcome.frames.length).toBeGreaterThan(0);
      tally.decodedWithoutReference++;
    }
  });

  it('decodes every file the reference decoded', () => {
    const referenceDecoded = inventory.filter((rel) => reference[rel]?.frames).length;
    expect(tally.matched).toBeGreaterThanOrEqual(referenceDecoded);
    expect(tally.matched + tally.refused + tally.decodedWithoutReference).toBe(inventory.length);
  });
});
