/**
 * Import benchmarks.
 *
 * 1. Decode speed: synthesises a 500-slice 512x512 16-bit CT series as real DICOM files in a temporary
 *    folder (written with dcmjs), then times scanFolder over it: read, parse, decode, rescale to
 *    Hounsfield units, group and order. Prints slices per second; `--min N` makes it exit 1 below N.
 * 2. Import memory: writes 2,000 images of 1024x1024 16-bit once (half DICOM radiographs, each its own
 *    series, half 16-bit TIFF), then imports 200 of them and all 2,000 into fresh projects, each import
 *    in a fresh child process, and prints both peak RSS figures and their ratio. An import stores each
 *    stack as it is read, so the peaks must be within 1.5x of each other (exit 1 otherwise).
 *
 *   npm run bench:io [-- --slices 500 --min 200 --images 2000 --image-size 1024 --skip-decode --skip-memory]
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import dcmjs from 'dcmjs';
import { scanFolder } from '../../electron/io/scan.js';
import { createAppServices } from '../../electron/services/app-services.js';
import { createNullLogger } from '../../electron/services/logger.js';
import type { ImportSummary } from '../../shared/dto.js';
import { tiffFile } from '../unit/io/helpers.js';

const { values } = parseArgs({
  options: {
    slices: { type: 'string', default: '500' },
    size: { type: 'string', default: '512' },
    min: { type: 'string' },
    images: { type: 'string', default: '2000' },
    'image-size': { type: 'string', default: '1024' },
    'skip-decode': { type: 'boolean', default: false },
    'skip-memory': { type: 'boolean', default: false },
    /** Internal: the child process that imports one folder and reports its peak RSS. */
    'child-import': { type: 'string' },
  },
});
const SLICES = Number(values.slices);
const SIZE = Number(values.size);
const IMAGES = Number(values.images);
const IMAGE_SIZE = Number(values['image-size']);
/** The peaks of importing IMAGES and IMAGES / 10 images may differ by at most this factor. */
const MAX_PEAK_RATIO = 1.5;
const { DicomDict, DicomMetaDictionary } = dcmjs.data;

const uid = (suffix: string): string => `1.2.826.0.1.3680043.10.1427.${suffix}`;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

interface DicomFields {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  rows: number;
  cols: number;
  pixels: Int16Array | Uint16Array;
  /** Further attributes (naturalized dcmjs names): modality, geometry, rescale. */
  extra: Record<string, unknown>;
}

/** One Explicit VR Little Endian DICOM file. */
function dicomFile(f: DicomFields): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: f.sopClassUid,
    MediaStorageSOPInstanceUID: f.sopInstanceUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: uid('9'),
  };
  const dataset = {
    SOPClassUID: f.sopClassUid,
    SOPInstanceUID: f.sopInstanceUid,
    StudyInstanceUID: uid('1'),
    SeriesInstanceUID: f.seriesInstanceUid,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: f.rows,
    Columns: f.cols,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: f.pixels instanceof Int16Array ? 1 : 0,
    ...f.extra,
    PixelData: [f.pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

function sliceFile(i: number): Uint8Array {
  const pixels = new Int16Array(SIZE * SIZE);
  // A body-like disc whose radius changes along z, with noise: not constant, so nothing is skipped.
  const r2 = (SIZE * (0.3 + 0.1 * Math.sin(i / 40))) ** 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const d = (x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2;
      pixels[y * SIZE + x] = d < r2 ? 1000 + ((x * 7 + y * 13 + i) % 200) : 24;
    }
  }
  return dicomFile({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: uid(`3.${i + 1}`),
    seriesInstanceUid: uid('2'),
    rows: SIZE,
    cols: SIZE,
    pixels,
    extra: {
      Modality: 'CT',
      FrameOfReferenceUID: uid('4'),
      InstanceNumber: String(SLICES - i), // reverse order on disk: the reader must sort by position
      ImagePositionPatient: ['-200', '-200', String(-300 + i * 1.25)],
      ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
      PixelSpacing: ['0.78125', '0.78125'],
      SliceThickness: '1.25',
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      WindowCenter: '40',
      WindowWidth: '400',
    },
  });
}

/** Slices per second of scanFolder over a synthetic CT series (read, parse, decode, rescale, order). */
async function decodeBenchmark(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-io-'));
  try {
    let t = performance.now();
    for (let i = 0; i < SLICES; i++)
      await writeFile(join(dir, `slice-${String(i).padStart(4, '0')}.dcm`), sliceFile(i));
    console.log(
      `wrote ${SLICES} files of ${SIZE}x${SIZE} int16 in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    const runs: number[] = [];
    for (let run = 0; run < 3; run++) {
      t = performance.now();
      const cpu0 = process.cpuUsage();
      const { stacks, skipped } = await scanFolder(dir);
      const s = (performance.now() - t) / 1000;
      const cpu = process.cpuUsage(cpu0);
      if (skipped.length || stacks.length !== 1 || stacks[0]!.slices.length !== SLICES) {
        throw new Error(
          `expected one ${SLICES}-slice stack, got ${stacks.length} stacks, ${skipped.length} skipped`,
        );
      }
      const z = stacks[0]!.slices.map((sl) => sl.position![2]);
      if (z.some((v, k) => k > 0 && v <= z[k - 1]!)) throw new Error('slices are not ordered by position');
      runs.push(SLICES / s);
      // CPU time shows what the reader costs when other processes share the cores.
      const cpuS = (cpu.user + cpu.system) / 1e6;
      console.log(
        `run ${run + 1}: ${s.toFixed(2)} s wall, ${(SLICES / s).toFixed(0)} slices/s; ${cpuS.toFixed(2)} s CPU`,
      );
    }
    const best = Math.max(...runs);
    console.log(
      `import (decode) of a ${SLICES}-slice ${SIZE}x${SIZE} 16-bit series: best ${best.toFixed(0)} slices/s`,
    );
    if (values.min !== undefined && best < Number(values.min)) {
      console.error(`below the target of ${values.min} slices/s`);
      process.exitCode = 1;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Distinct content per image (the content store would share identical blobs and hide the cost). */
function radiographPixels(i: number): Uint16Array {
  const n = IMAGE_SIZE;
  const pixels = new Uint16Array(n * n);
  for (let y = 0; y < n; y++) {
    const row = y * n;
    for (let x = 0; x < n; x++) pixels[row + x] = (x * 7 + y * 13 + i * 101) & 0x0fff;
  }
  return pixels;
}

/**
 * Image i of the memory benchmark: even i a DICOM radiograph (DX, a series of its own, so the scan
 * groups it by header and decodes it in its series pass), odd i a 16-bit TIFF (stored as it is read).
 * dcmjs takes ~0.2 s to write a 2 MiB file, so the DICOM files are one template whose fixed-length UIDs
 * and pixel data are replaced per file.
 */
function memoryImageWriter(): (i: number) => { name: string; bytes: Uint8Array } {
  const placeholder = (kind: string) => uid(`${kind}.000000`);
  const template = dicomFile({
    sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1',
    sopInstanceUid: placeholder('7'),
    seriesInstanceUid: placeholder('8'),
    rows: IMAGE_SIZE,
    cols: IMAGE_SIZE,
    pixels: new Uint16Array(IMAGE_SIZE * IMAGE_SIZE),
    extra: { Modality: 'DX', PixelSpacing: ['0.1', '0.1'], PatientID: 'bench' },
  });
  const pixelOffset = template.length - IMAGE_SIZE * IMAGE_SIZE * 2;
  const at = (text: string): number[] => {
    const found: number[] = [];
    const needle = Buffer.from(text);
    const hay = Buffer.from(template.buffer, template.byteOffset, template.byteLength);
    for (let k = hay.indexOf(needle); k >= 0; k = hay.indexOf(needle, k + 1)) found.push(k);
    return found;
  };
  const sopAt = at(placeholder('7'));
  const seriesAt = at(placeholder('8'));
  if (sopAt.length !== 2 || seriesAt.length !== 1) throw new Error('DICOM template: UIDs not found');
  return (i) => {
    const pixels = radiographPixels(i);
    if (i % 2 === 1)
      return {
        name: `image-${String(i).padStart(5, '0')}.tif`,
        bytes: tiffFile(pixels, IMAGE_SIZE, IMAGE_SIZE, 1),
      };
    const bytes = template.slice();
    const suffix = String(i).padStart(6, '0');
    for (const k of sopAt) bytes.set(Buffer.from(uid(`7.${suffix}`)), k);
    for (const k of seriesAt) bytes.set(Buffer.from(uid(`8.${suffix}`)), k);
    bytes.set(new Uint8Array(pixels.buffer), pixelOffset);
    return { name: `image-${String(i).padStart(5, '0')}.dcm`, bytes };
  };
}

interface ChildReport {
  imported: number;
  skipped: number;
  seconds: number;
  peakRssBytes: number;
}

/** Child mode: import one folder into a fresh project, print what it took as one JSON line. */
async function childImport(folder: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'apprentice-bench-project-'));
  const services = createAppServices({
    userDataDir: join(work, 'user-data'),
    platform: { shell: 'web' },
    logger: createNullLogger(),
  });
  try {
    await services.api.createProject({ parentDir: work, name: 'bench' });
    const t = performance.now();
    const job = await services.api.importImages({ path: folder, dataset: 'bench' });
    const final = await services.jobs.wait(job.jobId);
    if (final.state !== 'done') throw new Error(`import ${final.state}: ${final.error?.message ?? ''}`);
    const summary = final.result as unknown as ImportSummary;
    const report: ChildReport = {
      imported: summary.imported,
      skipped: summary.skipped.length,
      seconds: (performance.now() - t) / 1000,
      // maxRSS is in KiB: the high-water mark of the whole process, loading included.
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
    console.log(JSON.stringify(report));
  } finally {
    await services.dispose();
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs this script as a fresh process (same loader flags) importing `folder`, returns its report. */
function importInChild(folder: string): Promise<ChildReport> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, import.meta.filename, '--child-import', folder],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) fail(new Error(`import child exited ${code}: ${out}`));
      else done(JSON.parse(line) as ChildReport);
    });
  });
}

/** Peak RSS of importing IMAGES / 10 and IMAGES generated images, each in a fresh process. */
async function memoryBenchmark(): Promise<void> {
  const few = Math.round(IMAGES / 10);
  const root = await mkdtemp(join(tmpdir(), 'apprentice-bench-import-'));
  try {
    // The first `few` images in their own folder; the whole root holds all of them.
    await mkdir(join(root, 'first'));
    await mkdir(join(root, 'rest'));
    const write = memoryImageWriter();
    let t = performance.now();
    for (let i = 0; i < IMAGES; i++) {
      const { name, bytes } = write(i);
      await writeFile(join(root, i < few ? 'first' : 'rest', name), bytes);
    }
    console.log(
      `wrote ${IMAGES} images of ${IMAGE_SIZE}x${IMAGE_SIZE} 16-bit (half DICOM, half TIFF) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const results: [number, ChildReport][] = [];
    for (const [count, folder] of [
      [few, join(root, 'first')],
      [IMAGES, root],
    ] as const) {
      t = performance.now();
      const r = await importInChild(folder);
      if (r.imported !== count || r.skipped !== 0)
        throw new Error(`expected ${count} images imported, got ${r.imported} (${r.skipped} skipped)`);
      console.log(
        `import of ${count} images: peak RSS ${mib(r.peakRssBytes)} MiB, ${r.seconds.toFixed(1)} s (${(count / r.seconds).toFixed(0)} images/s)`,
      );
      results.push([count, r]);
    }
    const ratio = results[1]![1].peakRssBytes / results[0]![1].peakRssBytes;
    console.log(
      `peak RSS ${IMAGES} vs ${few} images: ${ratio.toFixed(2)}x (must be within ${MAX_PEAK_RATIO}x)`,
    );
    if (ratio > MAX_PEAK_RATIO) {
      console.error('import memory grows with the folder');
      process.exitCode = 1;
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (values['child-import'] !== undefined) {
  await childImport(values['child-import']);
} else {
  if (!values['skip-decode']) await decodeBenchmark();
  if (!values['skip-memory']) await memoryBenchmark();
}
