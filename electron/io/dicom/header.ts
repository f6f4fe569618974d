import type { DataSet } from 'dicom-parser';
import type { SampleLayout } from './native.js';
import type { ParsedDicom } from './parse.js';

/** The attributes the pixel decoder and the stack builder need, read once from a parsed file. */
/** The header fields read from a file; the sample layout (rows ... planarConfiguration) is native.ts'. */
export interface DicomInfo extends Omit<SampleLayout, 'float'> {
  path: string;
  transferSyntax: string;
  sopClassUid: string;
  sopInstanceUid: string;
  modality: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  seriesDescription: string;
  frameOfReferenceUid: string;
  instanceNumber: number | undefined;
  frames: number;
  /** Pixel Data (7FE0,0010), or Float / Double Float Pixel Data for parametric maps. */
  pixelTag: 'x7fe00010' | 'x7fe00008' | 'x7fe00009' | undefined;
  /** Per frame: slope and intercept of the modality LUT (from the functional groups when present). */
  rescale: { slope: number; intercept: number }[];
  window: { center: number; width: number } | undefined;
  pixelSpacing: [number, number] | undefined;
  sliceThickness: number | undefined;
  /** Per frame, when known. */
  positions: ([number, number, number] | undefined)[];
  orientation: [number, number, number, number, number, number] | undefined;
}

const str = (ds: DataSet | undefined, tag: string): string =>
  (ds?.string(tag) ?? '').replace(/\0/g, '').trim();

function num(ds: DataSet | undefined, tag: string, index = 0): number | undefined {
  if (!ds?.elements[tag]) return undefined;
  const v = ds.floatString(tag, index);
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

function nums(ds: DataSet | undefined, tag: string, n: number): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = num(ds, tag, i);
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/** US values read by dicom-parser with the data set's byte order; also accepts IS-encoded ones. */
function us(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return undefined;
  if (el.vr === 'IS' || el.vr === 'DS') return num(ds, tag);
  return el.length >= 2 ? ds.uint16(tag) : undefined;
}

function firstItem(ds: DataSet | undefined, seqTag: string, index = 0): DataSet | undefined {
  return ds?.elements[seqTag]?.items?.[index]?.dataSet;
}

/**
 * Enhanced multi-frame objects keep geometry and rescale in functional group macros: the per-frame item
 * wins over the shared one (PS3.3 C.7.6.16).
 */
function functionalGroup(ds: DataSet, macroTag: string, frame: number): DataSet | undefined {
  const perFrame = firstItem(firstItem(ds, 'x52009230', frame), macroTag);
  return perFrame ?? firstItem(firstItem(ds, 'x52009229'), macroTag);
}

function triple(v: number[] | undefined): [number, number, number] | undefined {
  return v && v.length === 3 ? [v[0]!, v[1]!, v[2]!] : undefined;
}

export function readInfo(parsed: ParsedDicom): DicomInfo {
  const ds = parsed.dataSet;
  const frames = Math.max(1, Math.trunc(num(ds, 'x00280008') ?? 1));
  const pixelTag = (['x7fe00010', 'x7fe00008', 'x7fe00009'] as const).find(
    (t) => ds.elements[t] !== undefined,
  );
  const bitsAllocated =
    us(ds, 'x00280100') ?? (pixelTag === 'x7fe00009' ? 64 : pixelTag === 'x7fe00008' ? 32 : 0);

  const rescale: DicomInfo['rescale'] = [];
  const positions: DicomInfo['positions'] = [];
  const topSlope = num(ds, 'x00281053') ?? 1;
  const topIntercept = num(ds, 'x00281052') ?? 0;
  const topPosition = triple(nums(ds, 'x00200032', 3));
  const enhanced = ds.elements['x52009229'] !== undefined || ds.elements['x52009230'] !== undefined;
  // Frame count is bounded later, before any pixel allocation; cap the walk here too for absurd headers.
  for (let f = 0; f < Math.min(frames, 20_000); f++) {
    if (enhanced) {
      const pvt = functionalGroup(ds, 'x00289145', f);
      rescale.push({
        slope: num(pvt, 'x00281053') ?? topSlope,
        intercept: num(pvt, 'x00281052') ?? topIntercept,
      });
      positions.push(triple(nums(functionalGroup(ds, 'x00209113', f), 'x00200032', 3)) ?? topPosition);
    } else {
      rescale.push({ slope: topSlope, intercept: topIntercept });
      positions.push(topPosition);
    }
  }

  const measures = enhanced ? functionalGroup(ds, 'x00289110', 0) : undefined;
  const spacing =
    nums(measures, 'x00280030', 2) ?? nums(ds, 'x00280030', 2) ?? nums(ds, 'x00181164', 2) ?? undefined;
  const orient =
    nums(enhanced ? functionalGroup(ds, 'x00209116', 0) : undefined, 'x00200037', 6) ??
    nums(ds, 'x00200037', 6);
  const voi = enhanced ? functionalGroup(ds, 'x00289132', 0) : undefined;
  const wc = num(voi, 'x00281050') ?? num(ds, 'x00281050');
  const ww = num(voi, 'x00281051') ?? num(ds, 'x00281051');
  const instance = num(ds, 'x00200013');

  return {
    path: parsed.path,
    transferSyntax: parsed.transferSyntax,
    sopClassUid: str(ds, 'x00080016') || str(ds, 'x00020002'),
    sopInstanceUid: str(ds, 'x00080018') || str(ds, 'x00020003'),
    modality: str(ds, 'x00080060'),
    studyInstanceUid: str(ds, 'x0020000d'),
    seriesInstanceUid: str(ds, 'x0020000e'),
    seriesDescription: str(ds, 'x0008103e'),
    frameOfReferenceUid: str(ds, 'x00200052'),
    instanceNumber: instance,
    rows: us(ds, 'x00280010') ?? 0,
    cols: us(ds, 'x00280011') ?? 0,
    frames,
    samplesPerPixel: us(ds, 'x00280002') ?? 1,
    bitsAllocated,
    bitsStored: us(ds, 'x00280101') ?? bitsAllocated,
    pixelRepresentation: us(ds, 'x00280103') ?? 0,
    photometric: str(ds, 'x00280004').toUpperCase() || 'MONOCHROME2',
    planarConfiguration: us(ds, 'x00280006') ?? 0,
    pixelTag,
    rescale,
    window: wc !== undefined && ww !== undefined && ww > 0 ? { center: wc, width: ww } : undefined,
    pixelSpacing: spacing && spacing[0]! > 0 && spacing[1]! > 0 ? [spacing[0]!, spacing[1]!] : undefined,
    sliceThickness: num(measures, 'x00180050') ?? num(ds, 'x00180050'),
    positions,
    orientation: orient ? (orient as DicomInfo['orientation']) : undefined,
  };
}
