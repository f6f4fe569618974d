/** 8-bit single-channel PNG files for masks and quantized probability maps (CLI outputs, mask folders). */
import { encode } from 'fast-png';
import { writeFileAtomic } from '../util/atomic-write.js';

export function encodeGreyPng(pixels: Uint8Array, rows: number, cols: number): Uint8Array {
  return encode({ width: cols, height: rows, data: pixels, channels: 1, depth: 8 });
}

/** Written atomically: an interrupted run never leaves a truncated PNG behind. */
export function writeGreyPng(path: string, pixels: Uint8Array, rows: number, cols: number): void {
  writeFileAtomic(path, encodeGreyPng(pixels, rows, cols));
}
