// Small CT series written with dcmjs for tests that need chosen (or broken) geometry: uint16 slices whose
// value at (row, col) of slice k is k*100 + row*cols + col, so any reordering shows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;
const CT = '1.2.840.10008.5.1.4.1.1.2';
/** A decimal string within DS's 16 characters. */
const decimal = (v: number): string => String(Number(v.toPrecision(10)));

export interface SynthSlice {
  /** ImagePositionPatient; null leaves the tag out. */
  position: [number, number, number] | null;
  orientation?: [number, number, number, number, number, number] | null;
  pixelSpacing?: [number, number] | null;
  rows?: number;
  cols?: number;
  instanceNumber?: number;
}

export interface SynthSeries {
  dir: string;
  seriesUid: string;
  studyUid: string;
  frameOfReferenceUid: string;
  files: string[];
  sopUids: string[];
}

/** Writes one file per slice (named in the given order) into `dir`; UIDs are fresh unless given. */
export function writeCtSeries(
  dir: string,
  slices: SynthSlice[],
  opts: { seriesUid?: string; description?: string; thickness?: number } = {},
): SynthSeries {
  mkdirSync(dir, { recursive: true });
  const seriesUid = opts.seriesUid ?? DicomMetaDictionary.uid();
  const studyUid = DicomMetaDictionary.uid();
  const frameOfReferenceUid = DicomMetaDictionary.uid();
  const files: string[] = [];
  const sopUids: string[] = [];
  slices.forEach((s, k) => {
    const rows = s.rows ?? 6;
    const cols = s.cols ?? 8;
    const px = new Uint16Array(rows * cols).map((_, i) => k * 100 + i);
    const sop = DicomMetaDictionary.uid();
    const ds: Record<string, unknown> = {
      SOPClassUID: CT,
      SOPInstanceUID: sop,
      StudyInstanceUID: studyUid,
      SeriesInstanceUID: seriesUid,
      FrameOfReferenceUID: frameOfReferenceUid,
      Modality: 'CT',
      PatientName: 'Synthetic^Volume',
      PatientID: 'SYN001',
      StudyDate: '20260101',
      SeriesDescription: opts.description ?? 'synthetic CT',
      InstanceNumber: String(s.instanceNumber ?? k + 1),
      Rows: rows,
      Columns: cols,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      RescaleIntercept: '0',
      RescaleSlope: '1',
      SliceThickness: String(opts.thickness ?? 2),
      ...(s.position ? { ImagePositionPatient: s.position.map(decimal) } : {}),
      ...(s.orientation !== null
        ? { ImageOrientationPatient: (s.orientation ?? [1, 0, 0, 0, 1, 0]).map(decimal) }
        : {}),
      ...(s.pixelSpacing !== null ? { PixelSpacing: (s.pixelSpacing ?? [0.5, 0.75]).map(decimal) } : {}),
      PixelData: [px.buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: CT,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      ImplementationClassUID: '2.25.1',
    };
    const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
    const file = join(dir, `slice_${String(k).padStart(3, '0')}.dcm`);
    writeFileSync(file, new Uint8Array(dict.write()));
    files.push(file);
    sopUids.push(sop);
  });
  return { dir, seriesUid, studyUid, frameOfReferenceUid, files, sopUids };
}
