// NIfTI headers whose geometry or data offset make no sense are refused when the file is read, with the
// field and the file named: never stored with NaN spacing, never reported as something else.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/errors.js';
import { readNiftiBytes } from '../../../../electron/io/nifti/read.js';
import { writeNifti } from '../../../../electron/io/nifti/write.js';

const PIXDIM = 76; // float32[8]
const VOX_OFFSET = 108;
const QFORM_CODE = 252;
const SFORM_CODE = 254;
const SROW_X = 280;

/** A 4x3x2 uint8 volume with 0.5 x 0.75 x 2 mm voxels, as an sform. */
function volume(): Uint8Array {
  const data = Uint8Array.from({ length: 24 }, (_, i) => i);
  return writeNifti({ data, dims: [4, 3, 2], affine: [0.5, 0, 0, 0, 0, 0.75, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1] });
}

function edit(bytes: Uint8Array, fn: (dv: DataView) => void): Uint8Array {
  const copy = bytes.slice();
  fn(new DataView(copy.buffer));
  return copy;
}

function refusal(name: string, bytes: Uint8Array): AppError {
  try {
    readNiftiBytes(name, bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error(`${name} was read`);
}

describe('NIfTI header validation', () => {
  it('reads the untouched volume with its spacing', () => {
    const s = readNiftiBytes('ok.nii', volume());
    expect(s.pixelSpacing).toEqual([0.75, 0.5]);
    expect(s.sliceSpacing).toBe(2);
  });

  it.each([
    ['NaN in the sform', NaN, 'sform'],
    ['Infinity in the sform', Infinity, 'sform'],
    ['NaN pixdim under a qform', NaN, 'qform'],
    ['Infinity pixdim under a qform', Infinity, 'qform'],
    ['NaN pixdim without a transform', NaN, 'pixdim'],
    ['-Infinity pixdim without a transform', -Infinity, 'pixdim'],
  ] as const)('refuses %s, naming the file and the field', (_, bad, transform) => {
    const bytes = edit(volume(), (dv) => {
      if (transform === 'sform') {
        dv.setFloat32(SROW_X, bad, true);
      } else {
        dv.setInt16(SFORM_CODE, 0, true);
        dv.setInt16(QFORM_CODE, transform === 'qform' ? 1 : 0, true);
        dv.setFloat32(PIXDIM + 4, bad, true);
      }
    });
    const e = refusal('/data/bad-spacing.nii', bytes);
    expect(e.code).toBe('BAD_FILE');
    const field = transform === 'sform' ? 'sform' : transform === 'qform' ? 'qform' : 'pixdim';
    expect(e.message).toMatch(
      new RegExp(`^/data/bad-spacing\\.nii: voxel geometry is not finite \\(.*${field}.*\\)$`),
    );
  });

  it.each([
    [-1100, 'negative'],
    [NaN, 'not a finite number'],
    [Infinity, 'not a finite number'],
  ])('says that a vox_offset of %s is invalid instead of calling the data truncated', (offset, why) => {
    const e = refusal(
      '/data/offset.nii',
      edit(volume(), (dv) => dv.setFloat32(VOX_OFFSET, offset, true)),
    );
    expect(e.code).toBe('BAD_FILE');
    expect(e.message).toBe(
      `/data/offset.nii: invalid vox_offset ${offset} (${why}): where the image data starts is unknown`,
    );
    expect(e.message).not.toMatch(/truncated/);
  });

  it('still calls data that ends early truncated, with the right counts', () => {
    const bytes = volume();
    const e = refusal('/data/short.nii', bytes.subarray(0, bytes.length - 5));
    expect(e.message).toBe('/data/short.nii: image data is truncated: 19 of 24 bytes present');
  });
});
