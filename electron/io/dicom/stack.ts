import { AppError, ErrorCode } from '../../../shared/errors.js';
import { readBytes } from '../bytes.js';
import { badFile, describe } from '../errors.js';
import { rescaleSlices } from '../rescale.js';
import { rangeOf } from '../stats.js';
import type { FileWarning, ImageStack, PixelArray, Slice } from '../types.js';
import { isSegmentation, nonImageReason } from './classify.js';
import { decodeDicomPixels } from './decode.js';
import type { DecodedPixels } from './decode.js';
import { readInfo } from './header.js';
import type { DicomInfo } from './header.js';
import { applyPalette, readPalette } from './palette.js';
import type { Palette } from './palette.js';
import { parseDicomBytes, TS } from './parse.js';
import type { ParsedDicom } from './parse.js';

/** One DICOM file, parsed and decoded to stored values. */
export interface DicomImage {
  parsed: ParsedDicom;
  info: DicomInfo;
  pixels: DecodedPixels;
}

/** Parses the header only; the import job uses this to list and group files before decoding. */
export function parseDicomHeader(path: string, bytes: Uint8Array): { parsed: ParsedDicom; info: DicomInfo } {
  const parsed = parseDicomBytes(path, bytes);
  return { parsed, info: readInfo(parsed) };
}

/** Parses and decodes one file; refuses non-image objects (and SEG, unless `allowSeg`) with the reason. */
export async function loadDicomImage(
  path: string,
  bytes: Uint8Array,
  opts: { allowSeg?: boolean } = {},
): Promise<DicomImage> {
  const { parsed, info } = parseDicomHeader(path, bytes);
  refuseNonImage(info, opts);
  return { parsed, info, pixels: await decodeDicomPixels(parsed, info) };
}

/** Throws when the header says the object is no image (SEG too, unless `allowSeg`); a folder scan calls
 * it while grouping, before anything is decoded. */
export function refuseNonImage(info: DicomInfo, opts: { allowSeg?: boolean } = {}): void {
  const reason = nonImageReason(info);
  if (reason && !(opts.allowSeg && info.pixelTag && isSegmentation(info))) {
    throw new AppError(ErrorCode.UNSUPPORTED, `${info.path}: ${reason}`, {
      path: info.path,
      sopClassUid: info.sopClassUid,
      modality: info.modality,
    });
  }
}

interface FrameRef {
  image: DicomImage;
  frame: number;
}

const dot = (a: number[], b: number[]): number => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

function normalOf(o: DicomInfo['orientation']): number[] | undefined {
  if (!o) return undefined;
  const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  return Math.hypot(n[0]!, n[1]!, n[2]!) > 0.5 ? n : undefined;
}

/**
 * Orders frames along the slice normal when every frame has a position and the images share one
 * orientation; else by InstanceNumber, then frame index (the acquisition order).
 */
function orderFrames(refs: FrameRef[]): FrameRef[] {
  const first = refs[0]!.image.info;
  const normal = normalOf(first.orientation);
  const sameOrientation = refs.every((r) => {
    const o = r.image.info.orientation;
    return o && first.orientation && o.every((v, i) => Math.abs(v - first.orientation![i]!) < 1e-3);
  });
  const byInstance = (a: FrameRef, b: FrameRef): number =>
    (a.image.info.instanceNumber ?? 0) - (b.image.info.instanceNumber ?? 0) || a.frame - b.frame;
  if (normal && sameOrientation && refs.every((r) => r.image.info.positions[r.frame])) {
    const key = (r: FrameRef): number => dot(r.image.info.positions[r.frame]!, normal);
    return [...refs].sort((a, b) => key(a) - key(b) || byInstance(a, b));
  }
  return [...refs].sort(byInstance);
}

/**
 * Builds one ordered stack from decoded images of one series (all of one size). Consumes the images'
 * decoded frames: the modality LUT may be applied to them in place.
 */
export function dicomStack(images: DicomImage[]): ImageStack {
  const head = images[0];
  if (!head) throw new AppError(ErrorCode.INVALID_ARGUMENT, 'no images to stack');
  const { info } = head;
  for (const im of images) {
    if (
      im.info.rows !== info.rows ||
      im.info.cols !== info.cols ||
      im.pixels.samplesPerPixel !== head.pixels.samplesPerPixel
    ) {
      throw badFile(im.info.path, `size ${im.info.cols}x${im.info.rows} differs from the rest of its series`);
    }
  }
  const refs = orderFrames(
    images.flatMap((image) => image.pixels.frames.map((_, frame) => ({ image, frame }))),
  );

  const warnings: FileWarning[] = images.flatMap((im) =>
    im.pixels.warnings.map((warning) => ({ path: im.info.path, warning })),
  );
  // Each file of a palette colour series carries its own palette. If one cannot be read, the series is
  // shown as its stored indices in grey, with a warning, rather than not at all.
  let palettes: Map<DicomImage, Palette> | undefined;
  if (head.pixels.photometric === 'PALETTE COLOR') {
    palettes = new Map();
    for (const im of images) {
      try {
        palettes.set(im, readPalette(im.parsed.dataSet, im.parsed.transferSyntax === TS.explicitBE));
      } catch (err) {
        warnings.push({
          path: im.info.path,
          warning: `palette colour image without usable palette tables (${describe(err)}); showing the stored palette indices as grey`,
        });
        palettes = undefined;
        break;
      }
    }
  }

  let pixels: PixelArray[];
  let range: { min: number; max: number } | undefined;
  let photometric: ImageStack['photometric'];
  if (palettes) {
    const found = palettes;
    pixels = refs.map((r) => applyPalette(found.get(r.image)!, r.image.pixels.frames[r.frame]!));
    photometric = 'RGB';
  } else if (head.pixels.samplesPerPixel === 3) {
    pixels = refs.map((r) => r.image.pixels.frames[r.frame]!);
    photometric = 'RGB';
  } else {
    ({ slices: pixels, range } = rescaleSlices(
      refs.map((r) => r.image.pixels.frames[r.frame]!),
      refs.map((r) => r.image.info.rescale[r.frame] ?? { slope: 1, intercept: 0 }),
    ));
    photometric = info.photometric === 'MONOCHROME1' ? 'MONOCHROME1' : 'MONOCHROME2';
  }

  const slices: Slice[] = refs.map((r, i) => {
    const position = r.image.info.positions[r.frame];
    return {
      pixels: pixels[i]!,
      ...(position ? { position } : {}),
      ...(r.image.info.orientation ? { orientation: r.image.info.orientation } : {}),
      ...(r.image.info.pixelSpacing ? { pixelSpacing: r.image.info.pixelSpacing } : {}),
      provenance: {
        path: r.image.info.path,
        frameIndex: r.frame,
        sopInstanceUid: r.image.info.sopInstanceUid,
        sopClassUid: r.image.info.sopClassUid,
      },
    };
  });
  range ??= rangeOf(pixels);
  const normal = normalOf(info.orientation);
  let sliceSpacing: number | undefined;
  if (normal && slices.length > 1 && slices[0]!.position && slices[1]!.position) {
    sliceSpacing = Math.abs(dot(slices[1]!.position, normal) - dot(slices[0]!.position, normal)) || undefined;
  }
  sliceSpacing ??= info.sliceThickness;
  const files = [...new Set(refs.map((r) => r.image.info.path))];
  const window =
    photometric === 'RGB'
      ? undefined
      : (info.window ?? { center: (range.min + range.max) / 2, width: Math.max(1, range.max - range.min) });

  return {
    format: 'dicom',
    files,
    modality: info.modality || 'OT',
    rows: info.rows,
    cols: info.cols,
    samplesPerPixel: photometric === 'RGB' ? 3 : 1,
    photometric,
    slices,
    ...(info.pixelSpacing ? { pixelSpacing: info.pixelSpacing } : {}),
    ...(sliceSpacing ? { sliceSpacing } : {}),
    ...(info.sliceThickness ? { sliceThickness: info.sliceThickness } : {}),
    ...(info.orientation ? { orientation: info.orientation } : {}),
    ...(window ? { window } : {}),
    range,
    seriesKey: info.seriesInstanceUid || info.path,
    ...(info.seriesDescription ? { seriesDescription: info.seriesDescription } : {}),
    ...(info.studyInstanceUid ? { studyInstanceUid: info.studyInstanceUid } : {}),
    ...(info.frameOfReferenceUid ? { frameOfReferenceUid: info.frameOfReferenceUid } : {}),
    ...(warnings.length ? { warnings } : {}),
    meta: {
      transferSyntax: info.transferSyntax,
      sopClassUid: info.sopClassUid,
      bitsAllocated: info.bitsAllocated,
      bitsStored: info.bitsStored,
      pixelRepresentation: info.pixelRepresentation,
      sourcePhotometric: info.photometric,
      syntaxGuessed: head.parsed.syntaxGuessed,
      ...patientAndStudy(head.parsed),
    },
  };
}

/** Patient and study attributes a derived object (a DICOM SEG) must copy from its source. */
const COPIED: [key: string, tag: string][] = [
  ['patientName', 'x00100010'],
  ['patientId', 'x00100020'],
  ['patientBirthDate', 'x00100030'],
  ['patientSex', 'x00100040'],
  ['studyDate', 'x00080020'],
  ['studyTime', 'x00080030'],
  ['studyId', 'x00200010'],
  ['accessionNumber', 'x00080050'],
  ['referringPhysicianName', 'x00080090'],
];

function patientAndStudy(parsed: ParsedDicom): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, tag] of COPIED) {
    const v = parsed.dataSet.string(tag)?.replace(/\0/g, '').trim();
    if (v) out[key] = v;
  }
  return out;
}

/** Reads one DICOM file as a stack (its frames in acquisition or spatial order). */
export async function readDicomFile(path: string, bytes?: Uint8Array): Promise<ImageStack> {
  return dicomStack([await loadDicomImage(path, bytes ?? (await readBytes(path)))]);
}
