/**
 * Mutates real DICOM, NIfTI, PNG and JPEG files (truncation, flipped bytes, absurd lengths and
 * dimensions) and feeds them to the readers: every case must end, within a time bound, either in a stack
 * or in an AppError (BAD_FILE / UNSUPPORTED / TOO_LARGE) naming the file. No other exception, no hang,
 * no runaway memory. The case count is bounded (FUZZ_CASES overrides it for longer local runs).
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { readImageBytes } from '../../../electron/io/read.js';
import { readBytes } from '../../../electron/io/bytes.js';
import { setCodecTimeout } from '../../../electron/io/dicom/codec-pool.js';
import { extractFirstJpegFrame, tiffFile } from './helpers.js';
import { Rng } from '../../../electron/students/rng.js';

const DATA = resolve(import.meta.dirname, '../../../../shared/data');
const CASES = Number(process.env.FUZZ_CASES ?? 1500);
const PER_CASE_MS = 10_000;

const SEEDS = [
  'dicom/pydicom-debian-testfiles/CT_small.dcm',
  'dicom/pydicom-debian-testfiles/MR_small_bigendian.dcm',
  'dicom/pydicom-debian-testfiles/MR_small_implicit.dcm',
  'dicom/pydicom-debian-testfiles/MR_small_RLE.dcm',
  'dicom/pydicom-debian-testfiles/MR_small_jp2klossless.dcm',
  'dicom/pydicom-debian-testfiles/MR_small_jpeg_ls_lossless.dcm',
  'dicom/pydicom-debian-testfiles/SC_rgb_jpeg_dcmtk.dcm',
  'dicom/pydicom-debian-testfiles/SC_rgb_jpeg_gdcm.dcm',
  'dicom/pydicom-debian-testfiles/JPGExtended.dcm',
  'dicom/pydicom-debian-testfiles/image_dfl.dcm',
  'dicom/pydicom-debian-testfiles/rtdose.dcm',
  'dicom/pydicom-debian-testfiles/liver_1frame.dcm',
  'dicom/pydicom-data/emri_small_RLE.dcm',
  'dicom/pydicom-data/HTJ2K_08_RGB.dcm',
  'dicom/pydicom-debian-testfiles/SC_rgb_small_odd.dcm',
  'dicom/pydicom-data/liver_deflate.dcm',
  'nifti/nibabel-debian/tests__data__anatomical.nii',
  'nifti/nibabel-debian/tests__data__functional.nii',
  'nifti/nibabel-debian/tests__data__standard.nii.gz',
  'nifti/nibabel-debian/tests__data__example_nifti2.nii.gz',
  'hc18/images/000_HC.png',
  'bus-bra/masks/bus_0005-l.png',
];

/** Offsets of DICOM Rows/Columns/NumberOfFrames/BitsAllocated values (explicit or implicit LE). */
function dicomSizeFields(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 < b.length; i++) {
    if (
      b[i] === 0x28 &&
      b[i + 1] === 0x00 &&
      (b[i + 2] === 0x10 || b[i + 2] === 0x11 || b[i + 2] === 0x08 || b[i + 2] === 0x00) &&
      b[i + 3] === 0x00
    ) {
      out.push(i + 8); // value offset in both explicit (US, 2-byte length) and implicit (4-byte length) VR
    }
  }
  return out;
}

type Mutator = (b: Uint8Array, r: () => number) => Uint8Array;
const int = (r: () => number, n: number): number => Math.floor(r() * n);
const ABSURD = [0xff, 0xffff, 0x7fffffff, 0xffffffff, 0, 1, 65535, 40000];

const MUTATORS: Record<string, Mutator> = {
  truncate: (b, r) => b.slice(0, int(r, b.length)),
  flipBytes: (b, r) => {
    const c = b.slice();
    for (let k = 1 + int(r, 16); k > 0; k--) {
      const at = int(r, c.length);
      c[at] = c[at]! ^ (1 << int(r, 8));
    }
    return c;
  },
  absurdWord: (b, r) => {
    const c = b.slice();
    const dv = new DataView(c.buffer);
    for (let k = 1 + int(r, 4); k > 0; k--) {
      const at = int(r, Math.max(1, c.length - 4));
      dv.setUint32(at, ABSURD[int(r, ABSURD.length)]!, r() < 0.5);
    }
    return c;
  },
  absurdDimension: (b, r) => {
    const c = b.slice();
    const dv = new DataView(c.buffer);
    const big = ABSURD[int(r, ABSURD.length)]!;
    if (c[0] === 0x89 && c[1] === 0x50) {
      dv.setUint32(16 + 4 * int(r, 2), big); // PNG IHDR width or height
    } else if (
      (dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) &&
      c.length > 360 &&
      r() < 0.3
    ) {
      // A NIfTI-1 extension of absurd (negative, huge) size.
      c[348] = 1;
      dv.setInt32(352, r() < 0.5 ? -16 : 0x7ffffff0, dv.getInt32(0, true) === 348);
    } else if (dv.getInt32(0, true) === 348 || dv.getInt32(0, false) === 348) {
      dv.setInt16(42 + 2 * int(r, 4), big & 0x7fff, dv.getInt32(0, true) === 348); // NIfTI-1 dim[1..4]
    } else if (dv.getInt32(0, true) === 540) {
      dv.setBigInt64(16 + 8 * (1 + int(r, 4)), BigInt(big), true); // NIfTI-2 dim[1..4]
    } else {
      const fields = dicomSizeFields(c);
      if (fields.length) {
        const at = fields[int(r, fields.length)]!;
        if (at + 2 <= c.length) dv.setUint16(at, big & 0xffff, true);
      } else dv.setUint32(int(r, c.length - 4), big, true);
    }
    return c;
  },
  spliceGarbage: (b, r) => {
    const at = int(r, b.length);
    const junk = new Uint8Array(1 + int(r, 64)).map(() => int(r, 256));
    const c = new Uint8Array(b.length + junk.length);
    c.set(b.subarray(0, at));
    c.set(junk, at);
    c.set(b.subarray(at), at + junk.length);
    return c;
  },
};

async function seeds(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const rel of SEEDS) {
    const path = resolve(DATA, rel);
    // Gzip seeds are mutated both wrapped and unwrapped.
    const raw = new Uint8Array(readFileSync(path));
    out.push({ name: rel, bytes: raw });
    if (raw[0] === 0x1f) out.push({ name: `${rel} (inflated)`, bytes: await readBytes(path) });
  }
  out.push({
    name: 'jpeg frame of SC_rgb_jpeg_dcmtk',
    bytes: extractFirstJpegFrame(readFileSync(resolve(DATA, SEEDS[6]!))),
  });
  out.push({
    name: 'tiff 16-bit',
    bytes: tiffFile(
      new Uint16Array(64 * 48).map((_, i) => i * 13),
      64,
      48,
      1,
    ),
  });
  out.push({
    name: 'tiff rgb',
    bytes: tiffFile(
      new Uint8Array(32 * 32 * 3).map((_, i) => i),
      32,
      32,
      3,
    ),
  });
  return out;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hang: ${what} took over ${ms} ms`)), ms);
    }),
  ]);
}

describe('fuzzed inputs', () => {
  it(
    `survive ${CASES} mutated files without crash, hang or unbounded memory`,
    { timeout: 300_000 },
    async () => {
      // A looping codec is stopped by the pool and reported as BAD_FILE; keep that well inside PER_CASE_MS.
      setCodecTimeout(4_000);
      const pool = await seeds();
      const names = Object.keys(MUTATORS);
      // Deterministic (the project's seeded generator) so a failing case can be replayed.
      const gen = new Rng(20261129);
      const r = () => gen.next();
      const outcomes = { read: 0, refused: 0 };
      const codes = new Set<string>();
      const rssLimit = process.memoryUsage().rss + 1.5 * 2 ** 30;
      for (let i = 0; i < CASES; i++) {
        const seed = pool[i % pool.length]!;
        const mutator = names[int(r, names.length)]!;
        let bytes = MUTATORS[mutator]!(seed.bytes, r);
        if (seed.bytes[0] === 0x1f && r() < 0.5) bytes = gzipSync(bytes);
        const label = `case ${i}: ${mutator} of ${seed.name}`;
        const path = `/fuzz/case-${i}`;
        // Replaying: FUZZ_LOG lists the cases run, FUZZ_DUMP holds the bytes of the last one started.
        if (process.env.FUZZ_LOG) appendFileSync(process.env.FUZZ_LOG, `${label}\n`);
        if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, bytes);
        try {
          await withTimeout(readImageBytes(path, bytes), PER_CASE_MS, label);
          outcomes.read++;
        } catch (err) {
          if (!(err instanceof AppError))
            throw new Error(`${label} threw ${String((err as Error)?.stack ?? err)}`, { cause: err });
          expect(['BAD_FILE', 'UNSUPPORTED', 'TOO_LARGE'], label).toContain(err.code);
          expect(err.message.startsWith(`${path}: `), label).toBe(true);
          expect(err.message, label).not.toMatch(/\n/);
          codes.add(err.code);
          outcomes.refused++;
        }
        expect(process.memoryUsage().rss, label).toBeLessThan(rssLimit);
      }
      expect(outcomes.read + outcomes.refused).toBe(CASES);
      // Both outcomes occur: mutations that break files and ones the readers tolerate.
      expect(outcomes.read).toBeGreaterThan(0);
      expect(outcomes.refused).toBeGreaterThan(0);
      expect(codes.has('BAD_FILE')).toBe(true);
    },
  );
});
