import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { loadDicomImage } from '../../../../electron/io/dicom/stack.js';
import { readBytes } from '../../../../electron/io/bytes.js';
import { readImageBytes, sniffFormat } from '../../../../electron/io/read.js';
import { extractFirstJpegFrame, tiffFile } from '../helpers.js';

const DATA = resolve(import.meta.dirname, '../../../../../shared/data');

describe('raster images', () => {
  it('reads an 8-bit grey PNG with its exact samples, whatever the file is called', async () => {
    const path = resolve(DATA, 'hc18/images/000_HC.png');
    const bytes = readFileSync(path);
    const png = decodePng(bytes);
    const stack = await readImageBytes('scan.dcm', bytes); // a misleading extension: content decides
    expect(stack.format).toBe('png');
    expect([stack.cols, stack.rows, stack.samplesPerPixel]).toEqual([png.width, png.height, 1]);
    expect(Array.from(stack.slices[0]!.pixels)).toEqual(Array.from(png.data));
  });

  it('reads 16-bit grey and RGBA PNG (alpha dropped)', async () => {
    const grey = new Uint16Array(20 * 10).map((_, i) => i * 300);
    const s16 = await readImageBytes(
      'g.png',
      encodePng({ width: 20, height: 10, data: grey, depth: 16, channels: 1 }),
    );
    expect(s16.slices[0]!.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(s16.slices[0]!.pixels)).toEqual(Array.from(grey));
    expect(s16.range).toEqual({ min: 0, max: 199 * 300 });
    const rgba = new Uint8Array(4 * 3 * 4).map((_, i) => (i % 4 === 3 ? 255 : i));
    const s = await readImageBytes(
      'c.png',
      encodePng({ width: 4, height: 3, data: rgba, depth: 8, channels: 4 }),
    );
    expect(s.samplesPerPixel).toBe(3);
    expect(Array.from(s.slices[0]!.pixels.subarray(0, 6))).toEqual([0, 1, 2, 4, 5, 6]);
  });

  it('decodes a JPEG file like the same codestream inside DICOM', async () => {
    const dcm = resolve(DATA, 'dicom/pydicom-debian-testfiles/SC_rgb_jpeg_dcmtk.dcm');
    const jpeg = extractFirstJpegFrame(readFileSync(dcm));
    expect(sniffFormat(jpeg)).toBe('jpeg');
    const stack = await readImageBytes('photo.jpg', jpeg);
    const image = await loadDicomImage(dcm, await readBytes(dcm));
    expect(stack.samplesPerPixel).toBe(3);
    expect(Buffer.from(stack.slices[0]!.pixels).equals(Buffer.from(image.pixels.frames[0]!.buffer))).toBe(
      true,
    );
  });

  it('reads 8-bit RGB and 16-bit grey TIFF, multi-sample and exact', async () => {
    const rgb = new Uint8Array(5 * 4 * 3).map((_, i) => (i * 7) % 256);
    const a = await readImageBytes('a.tif', tiffFile(rgb, 5, 4, 3));
    expect([a.format, a.cols, a.rows, a.samplesPerPixel]).toEqual(['tiff', 5, 4, 3]);
    expect(Array.from(a.slices[0]!.pixels)).toEqual(Array.from(rgb));
    const grey = new Uint16Array(6 * 3).map((_, i) => 1000 + i * 999);
    const b = await readImageBytes('b.tif', tiffFile(grey, 6, 3, 1));
    expect(b.slices[0]!.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(b.slices[0]!.pixels)).toEqual(Array.from(grey));
  });

  it('refuses absurd dimensions before decoding', async () => {
    const png = new Uint8Array(
      encodePng({ width: 2, height: 2, data: new Uint8Array(4), depth: 8, channels: 1 }),
    );
    new DataView(png.buffer).setUint32(16, 1_000_000); // IHDR width
    await expect(readImageBytes('huge.png', png)).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});
