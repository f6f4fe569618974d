import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { fileStem, filesByStem, listFiles } from '../../../electron/util/files.js';
import { tempDir } from '../../helpers/temp.js';

const tmp = tempDir('apprentice-files-');
afterAll(() => tmp.cleanup());

describe('fileStem', () => {
  it('drops one extension, and .nii.gz as one in any letter case', () => {
    expect(fileStem('/a/case12.png')).toBe('case12');
    expect(fileStem('case12.dcm')).toBe('case12');
    expect(fileStem('vol.nii.gz')).toBe('vol');
    // The two former copies disagreed here (one kept "VOL.NII"): upper-case archives pair like lower-case ones.
    expect(fileStem('/x/VOL.NII.GZ')).toBe('VOL');
    expect(fileStem('Vol.Nii.Gz')).toBe('Vol');
    expect(fileStem('archive.tar.gz')).toBe('archive.tar');
    expect(fileStem('noext')).toBe('noext');
  });
});

describe('listFiles', () => {
  it('lists regular non-hidden files of one folder, sorted, as paths', () => {
    const dir = join(tmp.dir, 'list');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const n of ['b.png', 'a.png', '.DS_Store', 'C.NII.GZ']) writeFileSync(join(dir, n), 'x');
    writeFileSync(join(dir, 'sub', 'inner.png'), 'x');
    symlinkSync(join(dir, 'missing-target'), join(dir, 'dangling.png'));
    expect(listFiles(dir)).toEqual([join(dir, 'C.NII.GZ'), join(dir, 'a.png'), join(dir, 'b.png')]);
    expect([...filesByStem(dir).keys()]).toEqual(['C', 'a', 'b']);
  });

  it('names the folder it cannot read', () => {
    const missing = join(tmp.dir, 'nope');
    expect(() => listFiles(missing, 'masks')).toThrow(/The masks folder cannot be read: .*nope/);
    expect(() => listFiles(missing)).toThrow(expect.objectContaining({ code: ErrorCode.NOT_FOUND }));
    const file = join(tmp.dir, 'plain.txt');
    writeFileSync(file, 'x');
    expect(() => listFiles(file, 'images')).toThrow(
      expect.objectContaining({ code: ErrorCode.NOT_FOUND, message: expect.stringMatching(/images folder/) }),
    );
  });
});
