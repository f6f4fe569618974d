// Import manifests (CSV): what a user gets when the file is wrong names the file and the problem, and
// never shows the file's bytes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../../../electron/services/manifest.js';
import { tempDir } from '../../helpers/temp.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('manifest errors', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('a PNG given as manifest is named and called not a CSV, with no binary in the message', () => {
    const f = join(t.dir, 'case.png');
    writeFileSync(f, PNG);
    const m = message(() => readManifest(f));
    expect(m).toBe(`${f} is not a CSV manifest: it is a PNG image`);
  });

  it('other binary files and non-UTF-8 text are refused by kind', () => {
    const zip = join(t.dir, 'cases.xlsx');
    writeFileSync(zip, Buffer.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0]));
    expect(message(() => readManifest(zip))).toMatch(
      /cases\.xlsx is not a CSV manifest: it is a ZIP archive/,
    );
    const bin = join(t.dir, 'blob.csv');
    writeFileSync(bin, Buffer.from([0x69, 0x64, 0x0a, 0x00, 0x01, 0x02]));
    expect(message(() => readManifest(bin))).toMatch(/blob\.csv is not a CSV manifest: it is binary data/);
  });

  it('CSV errors give line and column, not the cell text', () => {
    const f = join(t.dir, 'm.csv');
    writeFileSync(f, 'id,case\nb1,p1\n"secret-a,p2\n');
    const open = message(() => readManifest(f));
    expect(open).toMatch(/m\.csv is not a CSV manifest: line 3, column "id": a quoted field is not closed/);
    expect(open).not.toContain('secret');
    writeFileSync(f, 'id,case\nb1,p1\nb2 "secret",p2\n');
    const quote = message(() => readManifest(f));
    expect(quote).toMatch(
      /m\.csv is not a CSV manifest: line 3, column "id": a quote inside an unquoted field/,
    );
    expect(quote).not.toContain('secret');
    writeFileSync(f, 'id,pixel_size_mm\nb1,secret-size\n');
    const size = message(() => readManifest(f));
    expect(size).toMatch(/m\.csv, line 2, column "pixel_size_mm": not a pixel size in mm/);
    expect(size).not.toContain('secret');
  });
});
