/**
 * Truncated DICOM files, for every transfer syntax in ../shared/data/dicom: each cut either is refused with
 * an AppError naming the file or decodes to exactly the pixels of the intact file, never to something else.
 * Two kinds of damage: the file cut at several offsets (header, pixel data, fragment boundaries, the
 * trailing sequence delimiter), and, for encapsulated syntaxes, a codestream cut inside a container whose
 * lengths were rewritten to agree (what a broken writer leaves), so only the codec can notice.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors.js';
import { readBytes } from '../../../../electron/io/bytes.js';
import { setCodecTimeout } from '../../../../electron/io/dicom/codec-pool.js';
import { ENCAPSULATED } from '../../../../electron/io/dicom/codecs.js';
import { loadDicomImage, parseDicomHeader } from '../../../../electron/io/dicom/stack.js';
import type { PixelArray } from '../../../../electron/io/types.js';

const ROOT = resolve(import.meta.dirname, '../../../../../shared/data/dicom');

/** One representative per transfer syntax (a second where fragments or frames add a case). */
const CASES: { syntax: string; file: string }[] = [
  { syntax: '1.2.840.10008.1.2', file: 'pydicom-debian-testfiles/MR_small_implicit.dcm' },
  { syntax: '1.2.840.10008.1.2 (encoding inferred)', file: 'pydicom-data/OT-PAL-8-face.dcm' },
  { syntax: '1.2.840.10008.1.2.1', file: 'pydicom-debian-testfiles/CT_small.dcm' },
  { syntax: '1.2.840.10008.1.2.1.99', file: 'pydicom-debian-testfiles/image_dfl.dcm' },
  { syntax: '1.2.840.10008.1.2.2', file: 'pydicom-debian-testfiles/MR_small_bigendian.dcm' },
  { syntax: '1.2.840.10008.1.2.4.50', file: 'pydicom-debian-testfiles/SC_rgb_jpeg_dcmtk.dcm' },
  { syntax: '1.2.840.10008.1.2.4.50 (encoding inferred)', file: 'pydicom-debian-testfiles/SC_rgb_jpeg.dcm' },
  { syntax: '1.2.840.10008.1.2.4.51', file: 'pydicom-debian-testfiles/JPGExtended.dcm' },
  { syntax: '1.2.840.10008.1.2.4.70', file: 'pydicom-data/JPEG-LL.dcm' },
  { syntax: '1.2.840.10008.1.2.4.80', file: 'pydicom-debian-testfiles/MR_small_jpeg_ls_lossless.dcm' },
  { syntax: '1.2.840.10008.1.2.4.81', file: 'pydicom-data/JLSN_RGB_ILV0.dcm' },
  { syntax: '1.2.840.10008.1.2.4.90', file: 'pydicom-debian-testfiles/MR_small_jp2klossless.dcm' },
  { syntax: '1.2.840.10008.1.2.4.90', file: 'pydicom-data/emri_small_jpeg_2k_lossless.dcm' },
  { syntax: '1.2.840.10008.1.2.4.91', file: 'pydicom-debian-testfiles/JPEG2000.dcm' },
  { syntax: '1.2.840.10008.1.2.4.91', file: 'pydicom-data/RG3_J2KI.dcm' },
  { syntax: '1.2.840.10008.1.2.4.201', file: 'pydicom-data/HTJ2KLossless_08_RGB.dcm' },
  { syntax: '1.2.840.10008.1.2.4.203', file: 'pydicom-data/HTJ2K_08_RGB.dcm' },
  { syntax: '1.2.840.10008.1.2.5', file: 'pydicom-debian-testfiles/MR_small_RLE.dcm' },
  { syntax: '1.2.840.10008.1.2.5', file: 'pydicom-data/emri_small_RLE.dcm' },
  { syntax: '1.2.840.10008.1.2.8.1', file: 'pydicom-data/liver_deflate.dcm' },
];

/** The data set's encoding was inferred: no meta header, or one that does not match the data set. */
const syntaxKey = (ts: string, guessed: boolean): string => (guessed ? `${ts} (encoding inferred)` : ts);

type Outcome = { kind: 'decoded'; frames: PixelArray[] } | { kind: 'refused'; error: AppError };

async function decode(path: string, bytes: Uint8Array): Promise<Outcome> {
  try {
    const image = await loadDicomImage(path, bytes, { allowSeg: true });
    return { kind: 'decoded', frames: image.pixels.frames };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { kind: 'refused', error: err };
  }
}

const bytesOf = (a: PixelArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Refused with a one-line AppError naming the file, or pixels identical to the intact file's. */
function expectRefusedOrIdentical(
  outcome: Outcome,
  original: PixelArray[],
  path: string,
  what: string,
): void {
  if (outcome.kind === 'refused') {
    const { error } = outcome;
    expect(['BAD_FILE', 'UNSUPPORTED', 'TOO_LARGE'], what).toContain(error.code);
    expect(error.message.startsWith(`${path}: `), `${what}: ${error.message}`).toBe(true);
    expect(error.message, what).not.toMatch(/\n|undefined|\[object/);
    return;
  }
  expect(outcome.frames.length, `${what} decoded a different number of frames`).toBe(original.length);
  outcome.frames.forEach((frame, i) => {
    expect(frame.constructor, `${what} frame ${i + 1}`).toBe(original[i]!.constructor);
    expect(
      bytesOf(frame).equals(bytesOf(original[i]!)),
      `${what} decoded frame ${i + 1} to other pixels`,
    ).toBe(true);
  });
}

interface PixelLayout {
  /** Offset of the pixel data value in the file. */
  dataOffset: number;
  /** Encapsulated fragments: offset of each value and its length. */
  fragments: { position: number; length: number }[];
}

function pixelLayout(path: string, bytes: Uint8Array): PixelLayout {
  const { parsed, info } = parseDicomHeader(path, bytes);
  const el = parsed.dataSet.elements[info.pixelTag!]!;
  // Part 10 files are parsed in place, so offsets index the file's bytes. In a data set read as implicit
  // VR the fragments are sequence items after the offset table.
  const fragments =
    el.fragments ?? (el.items ?? []).slice(1).map((it) => ({ position: it.dataOffset, length: it.length }));
  return {
    dataOffset: el.dataOffset,
    fragments: fragments.map(({ position, length }) => ({ position, length })),
  };
}

/** Cut points: in the header, across the pixel data, at fragment boundaries, and at the very end. */
function cutOffsets(bytes: Uint8Array, layout: PixelLayout): number[] {
  const { dataOffset, fragments } = layout;
  const pixelBytes = bytes.length - dataOffset;
  const cuts = [
    Math.floor(dataOffset / 2),
    dataOffset + 2,
    ...[0.25, 0.5, 0.9].map((f) => dataOffset + Math.floor(pixelBytes * f)),
    bytes.length - 1,
  ];
  if (fragments.length) {
    const ends = fragments.map((f) => f.position + f.length);
    // Whole fragments gone (the first, a middle one, the last), then only the sequence delimiter.
    cuts.push(ends[0]!, ends[Math.floor(ends.length / 2)]!, ends[ends.length - 1]!);
  }
  return [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
}

/**
 * The last fragment's codestream cut to `keep` of its length, the fragment's item length rewritten to
 * match and the sequence delimiter kept: the container is consistent, the codestream is not.
 */
function cutLastCodestream(bytes: Uint8Array, layout: PixelLayout, keep: number): Uint8Array {
  const last = layout.fragments[layout.fragments.length - 1]!;
  // Fragments have even lengths (PS3.5 A.4).
  const kept = Math.max(2, Math.floor((last.length * keep) / 2) * 2);
  const tail = bytes.subarray(last.position + last.length);
  const out = new Uint8Array(last.position + kept + tail.length);
  out.set(bytes.subarray(0, last.position + kept));
  out.set(tail, last.position + kept);
  new DataView(out.buffer).setUint32(last.position - 4, kept, true);
  return out;
}

describe('truncated DICOM files are refused or decode unchanged', () => {
  beforeAll(() => {
    // A codec that loops is stopped by the pool and reported; keep that well inside the test timeout.
    setCodecTimeout(10_000);
  });

  it('the cases cover every transfer syntax that carries pixels in the shared data', async () => {
    const inventory = readFileSync(resolve(ROOT, 'inventory.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]!);
    const present = new Set<string>();
    for (const rel of inventory) {
      const path = resolve(ROOT, rel);
      try {
        const { parsed, info } = parseDicomHeader(path, await readBytes(path));
        if (info.pixelTag) present.add(syntaxKey(parsed.transferSyntax, parsed.syntaxGuessed));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
      }
    }
    expect(present.size).toBeGreaterThan(10);
    expect([...present].filter((ts) => !CASES.some((c) => c.syntax === ts))).toEqual([]);
  });

  it.each(CASES)('$syntax: $file cut at several offsets', { timeout: 60_000 }, async ({ syntax, file }) => {
    const path = resolve(ROOT, file);
    const bytes = await readBytes(path);
    const { parsed } = parseDicomHeader(path, bytes);
    expect(syntaxKey(parsed.transferSyntax, parsed.syntaxGuessed)).toBe(syntax);
    const original = await decode(path, bytes);
    if (original.kind === 'refused') throw original.error;
    const layout = pixelLayout(path, bytes);
    const outcomes = { refused: 0, identical: 0 };
    for (const cut of cutOffsets(bytes, layout)) {
      const outcome = await decode(path, bytes.slice(0, cut));
      expectRefusedOrIdentical(outcome, original.frames, path, `cut at ${cut} of ${bytes.length}`);
      outcomes[outcome.kind === 'refused' ? 'refused' : 'identical']++;
    }
    // A cut through the middle of the pixel data leaves too little to decode.
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it.each(CASES.filter((c) => ENCAPSULATED[c.syntax.split(' ')[0]!]))(
    '$syntax: $file with a codestream cut inside a consistent container',
    { timeout: 60_000 },
    async ({ file }) => {
      const path = resolve(ROOT, file);
      const bytes = await readBytes(path);
      const original = await decode(path, bytes);
      if (original.kind === 'refused') throw original.error;
      const layout = pixelLayout(path, bytes);
      expect(layout.fragments.length).toBeGreaterThan(0);
      for (const keep of [0.5, 0.9]) {
        const outcome = await decode(path, cutLastCodestream(bytes, layout, keep));
        expectRefusedOrIdentical(outcome, original.frames, path, `last codestream cut to ${keep * 100} %`);
        expect(outcome.kind, `last codestream cut to ${keep * 100} %`).toBe('refused');
      }
    },
  );
});
