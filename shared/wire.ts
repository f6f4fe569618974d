/**
 * The WebSocket codec of the web shell. One binary frame per message: a 4-byte big-endian header length,
 * a UTF-8 JSON header, then the raw bytes of every typed array the message carried. Typed arrays are
 * replaced in the JSON by {"$bin": index, "type": name}, so images and masks travel without base64 bloat.
 * Pure (no Node or DOM API beyond TextEncoder/TextDecoder), used by the server and by the browser client.
 */
import type { ApiMethod, Reply } from './api.js';
import type { AppEvent } from './events.js';

export type ClientMessage = { t: 'call'; id: number; method: ApiMethod; args: unknown[] };
export type ServerMessage =
  ({ t: 'reply'; id: number | null } & Reply<unknown>) | { t: 'event'; event: AppEvent };

const TYPED_ARRAYS = {
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
} as const;
type TypedArrayName = keyof typeof TYPED_ARRAYS;
type AnyTypedArray = InstanceType<(typeof TYPED_ARRAYS)[TypedArrayName]>;

/** Bounds that keep a hostile frame from making the decoder allocate or recurse without limit. */
export const WIRE_LIMITS = { maxDepth: 64, maxBlobs: 4096 } as const;

export class WireError extends Error {}

function typedArrayName(v: unknown): TypedArrayName | null {
  if (!ArrayBuffer.isView(v) || v instanceof DataView) return null;
  const name = v.constructor.name;
  return name in TYPED_ARRAYS ? (name as TypedArrayName) : null;
}

export function encodeMessage(msg: ClientMessage | ServerMessage): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = JSON.stringify(msg, function (this: unknown, _key, value: unknown) {
    // JSON.stringify calls toJSON first only for objects that have it; typed arrays do not.
    const name = typedArrayName(value);
    if (name === null) return value;
    const view = value as AnyTypedArray;
    blobs.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return { $bin: blobs.length - 1, type: name, length: view.length };
  });
  const head = new TextEncoder().encode(header);
  let size = 4 + head.length;
  for (const b of blobs) size += b.length;
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, head.length, false);
  out.set(head, 4);
  let off = 4 + head.length;
  for (const b of blobs) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

/** Decodes one frame. Throws WireError on anything malformed; never trusts lengths it cannot verify. */
export function decodeMessage(frame: Uint8Array): unknown {
  if (frame.length < 4) throw new WireError('frame shorter than its header length field');
  const headLen = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, false);
  if (headLen > frame.length - 4) throw new WireError('header length exceeds the frame');
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headLen)));
  } catch {
    throw new WireError('header is not valid UTF-8 JSON');
  }
  let off = 4 + headLen;
  let nextBlob = 0;
  const revive = (v: unknown, depth: number): unknown => {
    if (depth > WIRE_LIMITS.maxDepth) throw new WireError('message nested too deeply');
    if (Array.isArray(v)) return v.map((x) => revive(x, depth + 1));
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if ('$bin' in o) {
      const { $bin, type, length } = o;
      if ($bin !== nextBlob || nextBlob >= WIRE_LIMITS.maxBlobs)
        throw new WireError('binary parts out of order');
      if (typeof type !== 'string' || !(type in TYPED_ARRAYS)) throw new WireError('unknown binary type');
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
        throw new WireError('bad binary length');
      const Ctor = TYPED_ARRAYS[type as TypedArrayName];
      const bytes = length * Ctor.BYTES_PER_ELEMENT;
      if (bytes > frame.length - off) throw new WireError('binary part exceeds the frame');
      // Copy into a fresh, aligned buffer: the frame offset may not be a multiple of the element size.
      const copy = frame.slice(off, off + bytes);
      off += bytes;
      nextBlob++;
      return new Ctor(copy.buffer, 0, length);
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === '__proto__') continue; // never let a message reach an object's prototype
      out[k] = revive(x, depth + 1);
    }
    return out;
  };
  const value = revive(header, 0);
  if (off !== frame.length) throw new WireError('trailing bytes after the last binary part');
  return value;
}
