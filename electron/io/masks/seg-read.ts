import type { DataSet } from 'dicom-parser';
import { badFile, unsupported } from '../errors.js';
import { loadDicomImage } from '../dicom/stack.js';
import type { ImageStack } from '../types.js';
import type { MaskStack } from './types.js';

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

/** One frame of a DICOM SEG: which segment, which source image, where. */
export interface SegFrame {
  segment: number;
  sourceSopInstanceUid: string | undefined;
  /** 1-based frame of a multi-frame source, when referenced. */
  sourceFrame: number | undefined;
  position: [number, number, number] | undefined;
  pixels: Uint8Array;
}

const item = (ds: DataSet | undefined, tag: string, i = 0): DataSet | undefined =>
  ds?.elements[tag]?.items?.[i]?.dataSet;
const clean = (s: string | undefined): string | undefined => s?.replace(/\0/g, '').trim() || undefined;

function group(ds: DataSet, macro: string, frame: number): DataSet | undefined {
  return item(item(ds, 'x52009230', frame), macro) ?? item(item(ds, 'x52009229'), macro);
}

/** Decodes a SEG's frames with their references (PS3.3 C.8.20); fractional frames are thresholded at half. */
export async function readSegFrames(
  path: string,
  bytes: Uint8Array,
): Promise<{ frames: SegFrame[]; segments: MaskStack['segments']; rows: number; cols: number }> {
  const image = await loadDicomImage(path, bytes, { allowSeg: true });
  const ds = image.parsed.dataSet;
  if (image.info.sopClassUid !== SEG_SOP_CLASS) throw unsupported(path, 'is not a DICOM segmentation (SEG)');
  const fractional = (clean(ds.string('x00620001')) ?? 'BINARY') === 'FRACTIONAL';
  const maxFraction = fractional ? Number(ds.uint16('x00620014') ?? 255) : 1;
  const segments: MaskStack['segments'] = [];
  for (const it of ds.elements['x00620002']?.items ?? []) {
    const n = it.dataSet?.uint16('x00620004');
    if (n !== undefined)
      segments.push({ number: n, label: clean(it.dataSet?.string('x00620005')) ?? `segment ${n}` });
  }
  const frames = image.pixels.frames.map((raw, f) => {
    const segment = group(ds, 'x0062000a', f)?.uint16('x0062000b');
    if (segment === undefined) throw badFile(path, `SEG frame ${f + 1} names no segment`);
    // DerivationImageSequence > SourceImageSequence > ReferencedSOPInstanceUID / ReferencedFrameNumber.
    const source = item(group(ds, 'x00089124', f), 'x00082112');
    const posDs = group(ds, 'x00209113', f);
    const pos = [0, 1, 2].map((i) => posDs?.floatString('x00200032', i));
    const pixels = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) pixels[i] = raw[i]! * 2 > maxFraction ? 1 : 0;
    return {
      segment,
      sourceSopInstanceUid: clean(source?.string('x00081155')),
      sourceFrame: source?.intString('x00081160'),
      position: pos.every((v) => v !== undefined && Number.isFinite(v))
        ? (pos as [number, number, number])
        : undefined,
      pixels,
    };
  });
  return { frames, segments, rows: image.info.rows, cols: image.info.cols };
}

/**
 * Reads a SEG as a label map over its source stack: frames go to the slice whose SOP Instance UID (and
 * frame) they reference, else to the slice at their position. Overlapping segments: the higher number
 * wins, as label maps hold one label per pixel.
 */
export async function readSegMask(path: string, bytes: Uint8Array, source: ImageStack): Promise<MaskStack> {
  const seg = await readSegFrames(path, bytes);
  if (seg.rows !== source.rows || seg.cols !== source.cols) {
    throw badFile(path, `SEG frames are ${seg.cols}x${seg.rows}, the image is ${source.cols}x${source.rows}`);
  }
  const wide = seg.frames.some((f) => f.segment > 255);
  const slices = source.slices.map(() =>
    wide ? new Uint16Array(seg.rows * seg.cols) : new Uint8Array(seg.rows * seg.cols),
  );
  const byUid = new Map<string, number>();
  source.slices.forEach((s, i) => {
    const uid = s.provenance.sopInstanceUid;
    if (uid) byUid.set(`${uid}#${s.provenance.frameIndex + 1}`, i);
  });
  const near = (p: [number, number, number]): number | undefined => {
    let best: number | undefined;
    let bestD = Infinity;
    source.slices.forEach((s, i) => {
      if (!s.position) return;
      const d = Math.hypot(s.position[0] - p[0], s.position[1] - p[1], s.position[2] - p[2]);
      if (d < bestD) [best, bestD] = [i, d];
    });
    return bestD <= Math.max(0.5 * (source.sliceSpacing ?? 1), 0.01) ? best : undefined;
  };
  let placed = 0;
  for (const f of seg.frames) {
    const uidIndex = f.sourceSopInstanceUid
      ? byUid.get(`${f.sourceSopInstanceUid}#${f.sourceFrame ?? 1}`)
      : undefined;
    const index = uidIndex ?? (f.position ? near(f.position) : undefined);
    if (index === undefined) continue;
    const target = slices[index]!;
    for (let i = 0; i < f.pixels.length; i++)
      if (f.pixels[i] && f.segment > target[i]!) target[i] = f.segment;
    placed++;
  }
  if (placed === 0 && seg.frames.length > 0)
    throw badFile(path, 'no SEG frame references a slice of this image');
  return { rows: seg.rows, cols: seg.cols, slices, segments: seg.segments };
}
