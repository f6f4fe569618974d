import { asFileError, readImageBytes, sniffFormat } from './read.js';
import { ENCAPSULATED } from './dicom/codecs.js';
import { nonImageReason } from './dicom/classify.js';
import { TS } from './dicom/parse.js';
import { dicomStack, loadDicomImage } from './dicom/stack.js';
import { readBytes } from './bytes.js';
import { sampleStats } from './stats.js';
import type { ImageStack, PixelArray } from './types.js';

export interface PixelSummary {
  min: number;
  max: number;
  mean: number;
}

/** What `apprentice inspect` prints: plain JSON, one object per file. */
export interface InspectReport {
  file: string;
  format: string;
  modality: string;
  sopClassUid: string | null;
  transferSyntax: string | null;
  transferSyntaxName: string | null;
  rows: number;
  columns: number;
  /** Frames decoded: DICOM frames, NIfTI slices of the volume read, TIFF pages. */
  frames: number;
  samplesPerPixel: number;
  photometric: string;
  bitsAllocated: number | null;
  bitsStored: number | null;
  /** Row then column spacing in mm, when known. */
  spacing: [number, number] | null;
  sliceSpacing: number | null;
  /** Stored sample values of the decoded frames (DICOM: before the modality LUT; NIfTI: after scaling). */
  pixel: PixelSummary;
  /** Values after the modality LUT or palette, when they differ from the stored ones. */
  values: PixelSummary | null;
  window: { center: number; width: number } | null;
  /** How Apprentice would import it. */
  importAs: 'image' | 'mask';
  volumes: number | null;
  /** What could not be decoded exactly and is shown anyway (e.g. a palette image as grey indices). */
  warnings: string[];
}

const NAMES: Record<string, string> = {
  [TS.implicitLE]: 'Implicit VR Little Endian',
  [TS.explicitLE]: 'Explicit VR Little Endian',
  [TS.deflatedLE]: 'Deflated Explicit VR Little Endian',
  [TS.explicitBE]: 'Explicit VR Big Endian',
};

function summarise(frames: PixelArray[]): PixelSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  for (const f of frames) {
    const s = sampleStats(f);
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
    sum += s.sum;
    count += s.count;
  }
  return count ? { min, max, mean: sum / count } : { min: 0, max: 0, mean: 0 };
}

const same = (a: PixelSummary, b: PixelSummary): boolean =>
  a.min === b.min && a.max === b.max && a.mean === b.mean;

function fromStack(file: string, stack: ImageStack, stored: PixelSummary | undefined): InspectReport {
  const values = summarise(stack.slices.map((s) => s.pixels));
  const pixel = stored ?? values;
  const m = stack.meta;
  const ts = typeof m.transferSyntax === 'string' ? m.transferSyntax : null;
  return {
    file,
    format: stack.format,
    modality: stack.modality,
    sopClassUid: typeof m.sopClassUid === 'string' ? m.sopClassUid : null,
    transferSyntax: ts,
    transferSyntaxName: ts ? (NAMES[ts] ?? ENCAPSULATED[ts]?.name ?? null) : null,
    rows: stack.rows,
    columns: stack.cols,
    frames: stack.slices.length,
    samplesPerPixel: stack.samplesPerPixel,
    photometric: typeof m.sourcePhotometric === 'string' ? m.sourcePhotometric : stack.photometric,
    bitsAllocated:
      typeof m.bitsAllocated === 'number' ? m.bitsAllocated : stack.slices[0]!.pixels.BYTES_PER_ELEMENT * 8,
    bitsStored: typeof m.bitsStored === 'number' ? m.bitsStored : null,
    spacing: stack.pixelSpacing ?? null,
    sliceSpacing: stack.sliceSpacing ?? null,
    pixel,
    values: same(pixel, values) ? null : values,
    window: stack.window ?? null,
    importAs: 'image',
    volumes: typeof m.volumes === 'number' ? m.volumes : null,
    // One file is inspected, so each warning is about it: the path would only repeat `file`.
    warnings: (stack.warnings ?? []).map((w) => w.warning),
  };
}

/** Reads and decodes a file completely and reports its metadata and pixel statistics. */
export async function inspectFile(path: string): Promise<InspectReport> {
  try {
    const bytes = await readBytes(path);
    if (sniffFormat(bytes) !== 'dicom') return fromStack(path, await readImageBytes(path, bytes), undefined);
    const image = await loadDicomImage(path, bytes, { allowSeg: true });
    // Summarise the stored values first: building the stack may rescale the frames in place.
    const stored = summarise(image.pixels.frames);
    const report = fromStack(path, dicomStack([image]), stored);
    // A SEG decodes like an image but is imported as a mask.
    if (nonImageReason(image.info)) report.importAs = 'mask';
    return report;
  } catch (err) {
    throw asFileError(path, err);
  }
}
