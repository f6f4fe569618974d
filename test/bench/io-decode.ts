/**
 * Import (decode) benchmark: synthesises a 500-slice 512x512 16-bit CT series as real DICOM files in a
 * temporary folder (written with dcmjs), then times scanFolder over it: read, parse, decode, rescale to
 * Hounsfield units, group and order. Prints slices per second; `--min N` makes it exit 1 below N.
 *
 *   npm run bench:io [-- --slices 500 --min 200]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import dcmjs from 'dcmjs';
import { scanFolder } from '../../electron/io/scan.js';

const { values } = parseArgs({
  options: {
    slices: { type: 'string', default: '500' },
    size: { type: 'string', default: '512' },
    min: { type: 'string' },
  },
});
const SLICES = Number(values.slices);
const SIZE = Number(values.size);
const { DicomDict, DicomMetaDictionary } = dcmjs.data;

const uid = (suffix: string): string => `1.2.826.0.1.3680043.10.1427.${suffix}`;

function sliceFile(i: number): ArrayBuffer {
  const pixels = new Int16Array(SIZE * SIZE);
  // A body-like disc whose radius changes along z, with noise: not constant, so nothing is skipped.
  const r2 = (SIZE * (0.3 + 0.1 * Math.sin(i / 40))) ** 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const d = (x - SIZE / 2) ** 2 + (y - SIZE / 2) ** 2;
      pixels[y * SIZE + x] = d < r2 ? 1000 + ((x * 7 + y * 13 + i) % 200) : 24;
    }
  }
  const sop = uid(`3.${i + 1}`);
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    MediaStorageSOPInstanceUID: sop,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: uid('9'),
  };
  const dataset = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: sop,
    Modality: 'CT',
    StudyInstanceUID: uid('1'),
    SeriesInstanceUID: uid('2'),
    FrameOfReferenceUID: uid('4'),
    InstanceNumber: String(SLICES - i), // reverse order on disk: the reader must sort by position
    ImagePositionPatient: ['-200', '-200', String(-300 + i * 1.25)],
    ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'],
    PixelSpacing: ['0.78125', '0.78125'],
    SliceThickness: '1.25',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: SIZE,
    Columns: SIZE,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    RescaleIntercept: '-1024',
    RescaleSlope: '1',
    WindowCenter: '40',
    WindowWidth: '400',
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return dict.write();
}

const dir = await mkdtemp(join(tmpdir(), 'apprentice-bench-io-'));
try {
  let t = performance.now();
  for (let i = 0; i < SLICES; i++)
    await writeFile(join(dir, `slice-${String(i).padStart(4, '0')}.dcm`), new Uint8Array(sliceFile(i)));
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
