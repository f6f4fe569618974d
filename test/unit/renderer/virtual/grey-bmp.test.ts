// Thumbnails as 8-bit grey BMP files for <img>: header fields, the grey palette, rows top to bottom
// padded to 4 bytes, and sizes that cannot be a BMP refused.
import { describe, expect, it } from 'vitest';
import { greyBmp } from '../../../../renderer/src/virtual/grey-bmp.js';

describe('greyBmp', () => {
  it('writes a top-down 8-bit BMP with a grey palette and padded rows', () => {
    // 3 x 2: each row of 3 bytes padded to 4
    const bmp = greyBmp(new Uint8Array([0, 128, 255, 10, 20, 30]), 3, 2);
    const v = new DataView(bmp.buffer, bmp.byteOffset, bmp.byteLength);
    expect(String.fromCharCode(bmp[0]!, bmp[1]!)).toBe('BM');
    expect(v.getUint32(2, true)).toBe(bmp.length);
    expect(bmp.length).toBe(14 + 40 + 1024 + 2 * 4);
    expect(v.getUint32(10, true)).toBe(1078);
    expect(v.getInt32(18, true)).toBe(3);
    expect(v.getInt32(22, true)).toBe(-2); // top-down
    expect(v.getUint16(28, true)).toBe(8);
    expect(v.getUint32(30, true)).toBe(0);
    // palette entry k is (k, k, k)
    for (const k of [0, 1, 128, 255])
      expect([...bmp.subarray(54 + 4 * k, 54 + 4 * k + 3)]).toEqual([k, k, k]);
    expect([...bmp.subarray(1078, 1078 + 8)]).toEqual([0, 128, 255, 0, 10, 20, 30, 0]);
  });

  it('needs no padding for a width that is a multiple of 4', () => {
    const px = Uint8Array.from({ length: 96 * 96 }, (_, i) => i % 251);
    const bmp = greyBmp(px, 96, 96);
    expect(bmp.length).toBe(1078 + 96 * 96);
    expect([...bmp.subarray(1078)]).toEqual([...px]);
  });

  it('refuses sizes that do not match the pixels or are not positive whole numbers', () => {
    expect(() => greyBmp(new Uint8Array(5), 2, 2)).toThrow(/5 pixels do not make 2 x 2/);
    expect(() => greyBmp(new Uint8Array(0), 0, 0)).toThrow(/positive whole size/);
    expect(() => greyBmp(new Uint8Array(2), 1.5, 1)).toThrow(/positive whole size/);
  });
});
