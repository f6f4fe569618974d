/** What the DICOM frame decoders share: the decoded frame, the frame's header parameters and JPEG marker checks. */

/** Samples of one decoded frame as the codec produced them: interleaved when it has several components. */
export interface CodecFrame {
  samples: Uint8Array | Uint16Array | Int16Array;
  width: number;
  height: number;
  components: number;
  /** True when the codec already converted YCbCr to RGB (JPEG baseline/extended, J2K with MCT). */
  rgb: boolean;
  /** Set when the frame decoded only after a repair the user should know about. */
  warning?: string;
}

export interface FrameParams {
  transferSyntax: string;
  rows: number;
  cols: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  photometric: string;
  /** Bytes one native frame takes (for RLE and deflate, whose output is native). */
  frameBytes: number;
}

/** Reads precision and size from a JPEG SOFn marker segment, walking markers by their lengths. */
export function readSof(
  b: Uint8Array,
): { marker: number; precision: number; height: number; width: number; components: number } | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      return {
        marker: m,
        precision: b[i + 4]!,
        height: (b[i + 5]! << 8) | b[i + 6]!,
        width: (b[i + 7]! << 8) | b[i + 8]!,
        components: b[i + 9]!,
      };
    }
    if (len < 2) return undefined;
    i += 2 + len;
  }
  return undefined;
}

/**
 * Throws unless the codestream ends with its end marker: EOI in JPEG and JPEG-LS, EOC in JPEG 2000 (all
 * FFD9). Marker stuffing keeps FFD9 out of entropy-coded data, so a cut codestream lacks it; IJG, CharLS,
 * OpenJPEG and OpenJPH would decode such a stream without error, to garbage or a blurred image. Writers
 * leave a few bytes of padding after the marker (up to 9 seen), so the last 64 bytes are searched.
 */
export function requireEndMarker(b: Uint8Array): void {
  for (let i = b.length - 2; i >= Math.max(0, b.length - 64); i--) {
    if (b[i] === 0xff && b[i + 1] === 0xd9) return;
  }
  throw new Error('codestream ends without its end marker (FFD9): it is truncated');
}
