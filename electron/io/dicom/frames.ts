import dicomParser from 'dicom-parser';
import type { DataSet, Element, Fragment } from 'dicom-parser';

/** Does this fragment start a new codestream of the given codec? */
function startsFrame(b: Uint8Array, codec: string): boolean {
  if (codec === 'j2k' || codec === 'htj2k') {
    // Raw codestream (SOC, SIZ) or a JP2 signature box.
    return (
      (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51) || (b[4] === 0x6a && b[5] === 0x50)
    );
  }
  if (codec === 'jpeg' || codec === 'jpeg-lossless' || codec === 'jls') return b[0] === 0xff && b[1] === 0xd8;
  return false;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * In an implicit-VR data set dicom-parser reads encapsulated pixel data as a sequence: its items are the
 * offset table and the fragments.
 */
function fragmentsFromItems(el: Element): Fragment[] {
  const items = el.items ?? [];
  return items.slice(1).map((it) => ({ offset: 0, position: it.dataOffset, length: it.length }));
}

/**
 * Splits encapsulated pixel data into one byte string per frame. Uses the basic offset table when it
 * agrees with the frame count, else one fragment per frame, else codestream start markers.
 */
export function encapsulatedFrames(ds: DataSet, el: Element, frames: number, codec: string): Uint8Array[] {
  const fragments = el.fragments ?? fragmentsFromItems(el);
  if (fragments.length === 0) throw new Error('encapsulated pixel data has no fragments');
  const bytes = ds.byteArray;
  // Every fragment is checked, whichever strategy below assembles the frames.
  const parts = fragments.map((f, i) => {
    const start = f.position;
    if (start > bytes.length) throw new Error(`fragment ${i + 1} lies beyond the end of the file`);
    // A file cut inside a fragment: the codecs would decode the part that is left to plausible garbage.
    if (start + f.length > bytes.length) {
      throw new Error(
        `fragment ${i + 1} is truncated: ${bytes.length - start} of its ${f.length} bytes are in the file`,
      );
    }
    return bytes.subarray(start, start + f.length);
  });
  if (frames === 1) return [concat(parts)];

  const bot = el.basicOffsetTable ?? [];
  if (bot.length === frames && el.fragments) {
    try {
      return Array.from(
        { length: frames },
        (_, i) => new Uint8Array(dicomParser.readEncapsulatedImageFrame(ds, el, i)),
      );
    } catch {
      // An inconsistent offset table: fall through to the other strategies.
    }
  }
  if (fragments.length === frames) return parts;

  const groups: Uint8Array[][] = [];
  for (const f of parts) {
    if (groups.length === 0 || startsFrame(f, codec)) groups.push([f]);
    else groups[groups.length - 1]!.push(f);
  }
  if (groups.length !== frames) {
    throw new Error(`${fragments.length} fragments cannot be split into ${frames} frames`);
  }
  return groups.map(concat);
}
