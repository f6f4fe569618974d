import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { badFile, describe, LIMITS, tooLarge } from '../errors.js';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
} as const;

export interface ParsedDicom {
  path: string;
  dataSet: DataSet;
  transferSyntax: string;
  /** True when the file had no (or an incomplete) meta header and the encoding was inferred. */
  syntaxGuessed: boolean;
}

/** 'DICM' at offset 128: a Part 10 file. */
export function hasPart10Prefix(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

const isUpper = (b: number | undefined): boolean => b !== undefined && b >= 0x41 && b <= 0x5a;

/**
 * Infers the encoding of a data set that starts at `at` (files without a meta header, or with one that
 * lacks the transfer syntax): explicit VR shows as two capital letters after the tag; byte order shows in
 * which reading of the group number is small (data sets start with groups 0x0002..0x0010).
 */
export function guessSyntax(bytes: Uint8Array, at: number): string | undefined {
  if (bytes.length < at + 8) return undefined;
  const groupLE = bytes[at]! | (bytes[at + 1]! << 8);
  const groupBE = (bytes[at]! << 8) | bytes[at + 1]!;
  const explicit = isUpper(bytes[at + 4]) && isUpper(bytes[at + 5]);
  if (groupLE >= 0x0002 && groupLE <= 0x0010) return explicit ? TS.explicitLE : TS.implicitLE;
  if (groupBE >= 0x0002 && groupBE <= 0x0010 && explicit) return TS.explicitBE;
  return undefined;
}

/** Cheap content test used by the format sniffer. */
export function looksLikeDicom(bytes: Uint8Array): boolean {
  return hasPart10Prefix(bytes) || guessSyntax(bytes, 0) !== undefined;
}

function boundedInflater(path: string) {
  return (byteArray: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(byteArray.subarray(position), { maxOutputLength: LIMITS.maxDecodedBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw tooLarge(path, 'deflated data set inflates beyond the size limit');
      }
      throw badFile(path, `deflated data set is corrupt (${describe(err)})`);
    }
    const full = new Uint8Array(position + inflated.length);
    full.set(byteArray.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}

/** dicom-parser throws strings and Errors; some carry the partly parsed data set. */
function parseError(path: string, err: unknown): Error {
  if (err instanceof Error && err.name === 'AppError') return err;
  const msg = describe(err).replace(/^dicomParser[.:]\w+: /, '');
  return badFile(path, `not a readable DICOM file: truncated or corrupt (${msg})`);
}

/**
 * dicom-parser attaches what it parsed before failing. When that already includes the pixel data element
 * the file is usable up to there; the pixel decoder then checks that the pixel data is complete.
 */
function partialWithPixels(err: unknown): DataSet | undefined {
  const ds = (err as { dataSet?: DataSet } | null)?.dataSet;
  return ds?.elements?.['x7fe00010'] ? ds : undefined;
}

/** Meta header elements without the 128-byte preamble: give them one so the Part 10 reader applies. */
function addPreamble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 132);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(bytes, 132);
  return out;
}

/** Parses a DICOM file's bytes; handles missing meta headers, deflate and big endian. */
export function parseDicomBytes(path: string, input: Uint8Array): ParsedDicom {
  // A plain view, not a Buffer: Buffer#slice shares memory, which the unpackers must not rely on.
  let bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length > LIMITS.maxFileBytes) throw tooLarge(path, 'file is larger than 2 GiB');
  const inflater = boundedInflater(path);
  try {
    if (!hasPart10Prefix(bytes)) {
      const guessed = guessSyntax(bytes, 0);
      if (!guessed) throw badFile(path, 'not a DICOM file (no DICM prefix and no recognisable data set)');
      if (bytes[0] === 0x02 && bytes[1] === 0x00) {
        bytes = addPreamble(bytes);
      } else {
        const dataSet = dicomParser.parseDicom(bytes, { TransferSyntaxUID: guessed, inflater });
        return { path, dataSet, transferSyntax: guessed, syntaxGuessed: true };
      }
    }
    const meta = dicomParser.readPart10Header(bytes) as DataSet & { position?: number };
    const at = meta.position ?? 132;
    const declared = (meta.string('x00020010') ?? '').replace(/\0/g, '').trim();
    const guessed = guessSyntax(bytes, at);
    if (!declared) {
      if (!guessed)
        throw badFile(path, 'meta header has no transfer syntax and the data set encoding is unrecognisable');
      const dataSet = dicomParser.parseDicom(bytes.subarray(at), { TransferSyntaxUID: guessed, inflater });
      return { path, dataSet, transferSyntax: guessed, syntaxGuessed: true };
    }
    try {
      const dataSet = dicomParser.parseDicom(bytes, { inflater });
      return { path, dataSet, transferSyntax: declared, syntaxGuessed: false };
    } catch (err) {
      const partial = partialWithPixels(err);
      if (partial) return { path, dataSet: partial, transferSyntax: declared, syntaxGuessed: false };
      // Some writers declare an explicit-VR syntax and then write the data set in implicit VR (or the
      // reverse); pydicom and GDCM read those, so retry with the encoding the bytes show. The declared
      // syntax still describes the pixel encoding.
      const declaredImplicit = declared === TS.implicitLE;
      if (!guessed || declared === TS.deflatedLE || (guessed === TS.implicitLE) === declaredImplicit)
        throw err;
      const dataSet = dicomParser.parseDicom(bytes.subarray(at), { TransferSyntaxUID: guessed, inflater });
      return { path, dataSet, transferSyntax: declared, syntaxGuessed: true };
    }
  } catch (err) {
    throw parseError(path, err);
  }
}
