/**
 * In-memory image types shared by the readers (DICOM, NIfTI, raster) and their callers (import job, store,
 * viewer). Plain data: every field survives structured clone, so a stack can cross a worker or IPC boundary.
 */

/** Pixel samples of one slice, row-major; colour is interleaved (RGBRGB...). */
export type PixelArray =
  Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array;

export type SourceFormat = 'dicom' | 'nifti' | 'png' | 'jpeg' | 'tiff';

/**
 * How the samples are to be shown. MONOCHROME1 is stored as is (higher = darker); the viewer inverts it.
 * PALETTE COLOR and YBR images are expanded/converted to RGB by the readers, so they report 'RGB'.
 */
export type Photometric = 'MONOCHROME1' | 'MONOCHROME2' | 'RGB';

/** Where one slice came from: enough to find it again and to reference it from a DICOM SEG. */
export interface SliceProvenance {
  path: string;
  /** Frame within a multi-frame DICOM file, volume slice index (k) for NIfTI, page for TIFF; else 0. */
  frameIndex: number;
  sopInstanceUid?: string;
  sopClassUid?: string;
  /** NIfTI: the 4-D volume this slice belongs to. */
  volumeIndex?: number;
}

export interface Slice {
  pixels: PixelArray;
  /** Patient-space position (mm) of the first pixel's centre, when the file says. */
  position?: [number, number, number];
  /**
   * DICOM: this slice's own ImageOrientationPatient and PixelSpacing. A series may mix them; the stack's
   * values are its first file's, and a volume built from the slices checks they agree (io/volume.ts).
   */
  orientation?: [number, number, number, number, number, number];
  pixelSpacing?: [number, number];
  provenance: SliceProvenance;
}

export interface ImageStack {
  format: SourceFormat;
  /** Distinct source files, in slice order. */
  files: string[];
  /** DICOM modality (CT, MR, US, ...); 'OT' when the source has none. */
  modality: string;
  rows: number;
  cols: number;
  /** 3: interleaved RGB, Uint8 for all but the rare 16/32-bit RGB DICOM (kept as Uint16/Uint32). */
  samplesPerPixel: 1 | 3;
  photometric: Photometric;
  /**
   * Slices in display order. Greyscale values are in output units: the modality LUT (rescale slope and
   * intercept, NIfTI scl_slope/scl_inter) has been applied; integer types are kept when that is exact.
   */
  slices: Slice[];
  /** Row spacing then column spacing in mm (DICOM PixelSpacing order), when known. */
  pixelSpacing?: [number, number];
  /** Distance between slice centres along the normal (mm), when known. */
  sliceSpacing?: number;
  /** DICOM SliceThickness (mm), when the file says. */
  sliceThickness?: number;
  /** Direction cosines: first row then first column (DICOM ImageOrientationPatient), when known. */
  orientation?: [number, number, number, number, number, number];
  /** Default display window in output units. */
  window?: { center: number; width: number };
  /** Value range over all slices (output units), computed once at read time. */
  range: { min: number; max: number };
  /** Identifies the series/volume this stack is: DICOM SeriesInstanceUID, else the file path. */
  seriesKey: string;
  seriesDescription?: string;
  studyInstanceUid?: string;
  frameOfReferenceUid?: string;
  /** Format details for `inspect` and for writers that must match the source geometry. */
  meta: Record<string, string | number | boolean | number[] | null>;
  /**
   * What could not be decoded exactly and was shown anyway (a palette image as grey indices, a JPEG 2000
   * frame at the DICOM size), one entry per problem and file; absent when the decode was exact.
   */
  warnings?: FileWarning[];
}

/** A file that was read, but not exactly as written: the user sees it with this warning. */
export interface FileWarning {
  path: string;
  warning: string;
}

/** A file that was looked at and not imported, with a reason a person can act on. */
export interface SkippedFile {
  path: string;
  code: string;
  reason: string;
}

export interface ScanResult {
  stacks: ImageStack[];
  skipped: SkippedFile[];
}
