/** Entry points of the image readers and mask codecs; callers import from here. */
export { readImageBytes, readImageFile, sniffFormat } from './read.js';
export type { ReadOptions } from './read.js';
export { scanFolder, scanFolderStream } from './scan.js';
export type { ScanItem, ScanOptions, ScanProgress } from './scan.js';
export { readBytes, readRegularFileSync } from './bytes.js';
export { inspectFile } from './inspect.js';
export type { InspectReport, PixelSummary } from './inspect.js';
export { LIMITS } from './errors.js';
export { readPngMask, writePngMask } from './masks/png.js';
export { niftiMaskVolume, readNiftiMask, writeNiftiMask } from './masks/nifti.js';
export { readSegFrames, readSegMask } from './masks/seg-read.js';
export type { SegFrame } from './masks/seg-read.js';
export { writeDicomSeg } from './masks/seg-write.js';
export type { SegWriteOptions } from './masks/seg-write.js';
export type { MaskReference, MaskStack } from './masks/types.js';
export type * from './types.js';
