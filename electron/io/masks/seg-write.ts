import dcmjs from 'dcmjs';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import type { ImageStack } from '../types.js';
import type { MaskStack } from './types.js';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const code = (value: string, scheme: string, meaning: string) => [
  { CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning },
];

export interface SegWriteOptions {
  seriesDescription?: string;
  /** How the segments were made: reviewed AI output is SEMIAUTOMATIC, drawn by hand MANUAL. */
  algorithmType?: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
  algorithmName?: string;
  softwareVersion?: string;
  /** Fixed UIDs and time for reproducible output (tests); generated when absent. */
  uids?: { series: string; instance: string };
  now?: Date;
}

const ds = (v: number): string => String(Number(v.toFixed(6)));

/**
 * Writes a binary DICOM Segmentation (PS3.3 A.51) of a label map over a DICOM series: one frame per
 * segment and source slice that holds any of it, each frame referencing its source image by SOP
 * Instance UID, with the series' geometry and patient/study identity, so PACS and viewers overlay it.
 */
export function writeDicomSeg(mask: MaskStack, source: ImageStack, opts: SegWriteOptions = {}): Uint8Array {
  if (source.format !== 'dicom') throw new Error('a DICOM SEG needs a DICOM source series');
  if (mask.rows !== source.rows || mask.cols !== source.cols || mask.slices.length !== source.slices.length) {
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Series ${source.seriesKey}: the mask is ${mask.cols}x${mask.rows}x${mask.slices.length}, the image ${source.cols}x${source.rows}x${source.slices.length}`,
      { volume: source.seriesKey },
    );
  }
  // Each frame of a series must say where it lies (PlanePositionSequence) for a viewer to overlay it; a
  // single 2-D image without a patient space (ultrasound) is referenced by its instance alone.
  if (source.slices.length > 1 && (!source.orientation || source.slices.some((s) => !s.position)))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `Series ${source.seriesKey}: has no ImagePositionPatient/ImageOrientationPatient, so the SEG's frames cannot be placed`,
      { volume: source.seriesKey },
    );
  const now = opts.now ?? new Date();
  const date = now.toISOString().slice(0, 10).replace(/-/g, '');
  const time = now.toISOString().slice(11, 19).replace(/:/g, '');
  const seriesUid = opts.uids?.series ?? DicomMetaDictionary.uid();
  const instanceUid = opts.uids?.instance ?? DicomMetaDictionary.uid();
  const m = source.meta;
  const str = (k: string): string => (typeof m[k] === 'string' ? (m[k] as string) : '');

  const present = new Set<number>();
  for (const s of mask.slices) for (let i = 0; i < s.length; i++) if (s[i]) present.add(s[i]!);
  const segments = [...new Set([...mask.segments.map((s) => s.number), ...present])]
    .filter((n) => n > 0)
    .sort((a, b) => a - b);
  if (segments.length === 0) segments.push(1);
  const labelOf = (n: number): string => mask.segments.find((s) => s.number === n)?.label ?? `segment ${n}`;

  // Frames: segment-major, then slice order; empty (segment, slice) pairs are left out.
  const frames: { segment: number; slice: number }[] = [];
  for (const segment of segments) {
    mask.slices.forEach((s, slice) => {
      if (s.some((v) => v === segment)) frames.push({ segment, slice });
    });
  }
  if (frames.length === 0) frames.push({ segment: segments[0]!, slice: 0 });

  const pixelsPerFrame = mask.rows * mask.cols;
  const packed = new Uint8Array(Math.ceil((frames.length * pixelsPerFrame) / 8));
  frames.forEach(({ segment, slice }, f) => {
    const s = mask.slices[slice]!;
    const base = f * pixelsPerFrame;
    for (let i = 0; i < pixelsPerFrame; i++) {
      if (s[i] === segment) packed[(base + i) >> 3]! |= 1 << ((base + i) & 7);
    }
  });

  const sliceRef = (slice: number) => {
    const p = source.slices[slice]!.provenance;
    const multiFrame = source.slices.some((o, i) => i !== slice && o.provenance.path === p.path);
    return {
      ReferencedSOPClassUID: p.sopClassUid ?? '',
      ReferencedSOPInstanceUID: p.sopInstanceUid ?? '',
      ...(multiFrame ? { ReferencedFrameNumber: [p.frameIndex + 1] } : {}),
    };
  };
  const instances = [
    ...new Map(source.slices.map((s, i) => [s.provenance.sopInstanceUid, sliceRef(i)])).values(),
  ].map((r) => ({
    ReferencedSOPClassUID: r.ReferencedSOPClassUID,
    ReferencedSOPInstanceUID: r.ReferencedSOPInstanceUID,
  }));

  const dataset: Record<string, unknown> = {
    SOPClassUID: SEG_SOP_CLASS,
    SOPInstanceUID: instanceUid,
    Modality: 'SEG',
    SeriesInstanceUID: seriesUid,
    SeriesNumber: '300',
    SeriesDescription: opts.seriesDescription ?? 'Apprentice segmentation',
    InstanceNumber: '1',
    ContentLabel: 'MASK',
    ContentDescription: opts.seriesDescription ?? 'Apprentice segmentation',
    ContentCreatorName: '',
    ContentDate: date,
    ContentTime: time,
    SeriesDate: date,
    SeriesTime: time,
    Manufacturer: 'Apprentice',
    ManufacturerModelName: 'Apprentice',
    DeviceSerialNumber: '0',
    SoftwareVersions: opts.softwareVersion ?? '0.1.0',
    PatientName: str('patientName'),
    PatientID: str('patientId'),
    PatientBirthDate: str('patientBirthDate'),
    PatientSex: str('patientSex'),
    StudyInstanceUID: source.studyInstanceUid ?? DicomMetaDictionary.uid(),
    StudyDate: str('studyDate'),
    StudyTime: str('studyTime'),
    StudyID: str('studyId'),
    AccessionNumber: str('accessionNumber'),
    ReferringPhysicianName: str('referringPhysicianName'),
    FrameOfReferenceUID: source.frameOfReferenceUid ?? DicomMetaDictionary.uid(),
    PositionReferenceIndicator: '',
    ImageType: ['DERIVED', 'PRIMARY'],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: mask.rows,
    Columns: mask.cols,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    NumberOfFrames: String(frames.length),
    SegmentSequence: segments.map((n) => ({
      SegmentNumber: n,
      SegmentLabel: labelOf(n).slice(0, 64),
      SegmentAlgorithmType: opts.algorithmType ?? 'SEMIAUTOMATIC',
      ...(opts.algorithmType !== 'MANUAL'
        ? { SegmentAlgorithmName: opts.algorithmName ?? 'Apprentice' }
        : {}),
      SegmentedPropertyCategoryCodeSequence: code('91723000', 'SCT', 'Anatomical Structure'),
      SegmentedPropertyTypeCodeSequence: code('85756007', 'SCT', 'Tissue'),
    })),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: seriesUid + '.1' }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: seriesUid + '.1',
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'Segment',
      },
      {
        DimensionOrganizationUID: seriesUid + '.1',
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'Position',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [
          {
            PixelSpacing: (source.pixelSpacing ?? [1, 1]).map(ds),
            SliceThickness: ds(source.sliceSpacing ?? 1),
            SpacingBetweenSlices: ds(source.sliceSpacing ?? 1),
          },
        ],
        ...(source.orientation
          ? { PlaneOrientationSequence: [{ ImageOrientationPatient: source.orientation.map(ds) }] }
          : {}),
      },
    ],
    PerFrameFunctionalGroupsSequence: frames.map(({ segment, slice }) => ({
      FrameContentSequence: [{ DimensionIndexValues: [segments.indexOf(segment) + 1, slice + 1] }],
      ...(source.slices[slice]!.position
        ? { PlanePositionSequence: [{ ImagePositionPatient: source.slices[slice]!.position!.map(ds) }] }
        : {}),
      DerivationImageSequence: [
        {
          SourceImageSequence: [
            {
              ...sliceRef(slice),
              PurposeOfReferenceCodeSequence: code(
                '121322',
                'DCM',
                'Source image for image processing operation',
              ),
            },
          ],
          DerivationCodeSequence: code('113076', 'DCM', 'Segmentation'),
        },
      ],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment }],
    })),
    ReferencedSeriesSequence: [
      { SeriesInstanceUID: source.seriesKey, ReferencedInstanceSequence: instances },
    ],
    PixelData: [packed.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS,
    MediaStorageSOPInstanceUID: instanceUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '2.25.80302813137786398554742050926734630921',
    ImplementationVersionName: 'APPRENTICE',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
