import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { badFile, describe, LIMITS, tooLarge } from './errors.js';

/** Inflates a gzip wrapper (`.nii.gz`, `.dcm.gz`) within the size limit; other bytes pass through. */
export function unwrapGzip(path: string, raw: Uint8Array): Uint8Array {
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  try {
    return gunzipSync(raw, { maxOutputLength: LIMITS.maxDecodedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge(path, 'gzip content exceeds the size limit');
    throw badFile(path, `gzip data is corrupt (${describe(err)})`);
  }
}

/** Reads a file's bytes, inflating a gzip wrapper. */
export async function readBytes(path: string): Promise<Uint8Array> {
  return unwrapGzip(path, await readFile(path));
}
