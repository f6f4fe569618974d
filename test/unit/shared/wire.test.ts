import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, WireError, WIRE_LIMITS } from '../../../shared/wire.js';

function frame(header: unknown, ...blobs: Uint8Array[]): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const total = 4 + head.length + blobs.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  let off = 4 + head.length;
  for (const b of blobs) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

describe('wire codec', () => {
  it('round-trips plain values and typed arrays of every kind, at any offset', () => {
    const base = new Uint16Array([1, 2, 65535, 4, 5]);
    const msg = {
      t: 'reply' as const,
      id: 7,
      ok: true as const,
      value: {
        name: 'slice',
        pixels: base.subarray(1, 4),
        mask: new Uint8Array([0, 255, 0]),
        probs: new Float32Array([0.25, -1.5, Number.MAX_VALUE]),
        signed: new Int16Array([-32768, 0, 32767]),
        nested: [{ f64: new Float64Array([Math.PI]) }, null, 'x'],
      },
    };
    const out = decodeMessage(encodeMessage(msg)) as typeof msg;
    expect(out.value.name).toBe('slice');
    expect(out.value.pixels).toBeInstanceOf(Uint16Array);
    expect([...out.value.pixels]).toEqual([2, 65535, 4]);
    expect([...out.value.mask]).toEqual([0, 255, 0]);
    expect([...out.value.probs]).toEqual([...msg.value.probs]);
    expect([...out.value.signed]).toEqual([-32768, 0, 32767]);
    expect((out.value.nested[0] as { f64: Float64Array }).f64[0]).toBe(Math.PI);
    expect(out.value.nested.slice(1)).toEqual([null, 'x']);
  });

  it.each([
    ['empty frame', new Uint8Array(0)],
    ['header length beyond the frame', Uint8Array.from([0, 0, 1, 0, 123])],
    ['header not JSON', Uint8Array.from([0, 0, 0, 3, 0x7b, 0x7b, 0x7b])],
    ['header not UTF-8', Uint8Array.from([0, 0, 0, 2, 0xff, 0xfe])],
    [
      'blob reference beyond the frame',
      frame({ a: { $bin: 0, type: 'Uint8Array', length: 10 } }, new Uint8Array(3)),
    ],
    ['blob out of order', frame({ a: { $bin: 1, type: 'Uint8Array', length: 1 } }, new Uint8Array(1))],
    ['unknown blob type', frame({ a: { $bin: 0, type: 'BigInt64Array', length: 1 } }, new Uint8Array(8))],
    ['negative blob length', frame({ a: { $bin: 0, type: 'Uint8Array', length: -1 } })],
    ['absurd blob length', frame({ a: { $bin: 0, type: 'Float64Array', length: 2 ** 40 } })],
    ['trailing bytes', frame({ a: 1 }, new Uint8Array(5))],
  ])('refuses a malformed frame: %s', (_name, bytes) => {
    expect(() => decodeMessage(bytes)).toThrow(WireError);
  });

  it('refuses nesting deeper than the limit instead of overflowing the stack', () => {
    let v: unknown = 1;
    for (let i = 0; i < WIRE_LIMITS.maxDepth + 5; i++) v = [v];
    expect(() => decodeMessage(frame(v))).toThrow(/nested too deeply/);
  });

  it('drops __proto__ keys so a message cannot pollute prototypes', () => {
    const bytes = new TextEncoder().encode('{"t":"call","__proto__":{"polluted":true}}');
    const f = new Uint8Array(4 + bytes.length);
    new DataView(f.buffer).setUint32(0, bytes.length);
    f.set(bytes, 4);
    const out = decodeMessage(f) as Record<string, unknown>;
    expect(out.t).toBe('call');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.polluted).toBeUndefined();
  });
});
