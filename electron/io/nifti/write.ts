/**
 * Writes a NIfTI-1 volume (.nii, optionally gzip-compressed) with an sform, so the file lands on the
 * same grid as the image it belongs to. Only the integer label types masks need are written.
 */
import { gzipSync } from 'node:zlib';

export interface NiftiVolume {
  /** Voxel data in NIfTI order: i fastest, then j, then k. */
  data: Uint8Array | Uint16Array;
  dims: [number, number, number];
  /** 4x4 voxel-to-RAS matrix, row-major (srow_x, srow_y, srow_z, 0 0 0 1). */
  affine: number[];
  /** Kept from the source (e.g. 4 = MNI) so tools treat the space the same way; default 2 (aligned). */
  sformCode?: number;
  description?: string;
}

export function writeNifti(v: NiftiVolume, gzip = false): Uint8Array {
  const [nx, ny, nz] = v.dims;
  if (v.data.length !== nx * ny * nz)
    throw new Error(`volume has ${v.data.length} voxels, ${nx}x${ny}x${nz} expected`);
  const u16 = v.data instanceof Uint16Array;
  const header = new ArrayBuffer(352);
  const dv = new DataView(header);
  const le = true;
  dv.setInt32(0, 348, le);
  const dim = [3, nx, ny, nz, 1, 1, 1, 1];
  dim.forEach((d, i) => dv.setInt16(40 + 2 * i, d, le));
  dv.setInt16(70, u16 ? 512 : 2, le); // datatype
  dv.setInt16(72, u16 ? 16 : 8, le); // bitpix
  const a = v.affine;
  const col = (c: number): number => Math.hypot(a[c]!, a[4 + c]!, a[8 + c]!) || 1;
  const pixdim = [1, col(0), col(1), col(2), 1, 1, 1, 1];
  pixdim.forEach((p, i) => dv.setFloat32(76 + 4 * i, p, le));
  dv.setFloat32(108, 352, le); // vox_offset
  dv.setFloat32(112, 1, le); // scl_slope
  dv.setFloat32(116, 0, le); // scl_inter
  dv.setUint8(123, 2); // xyzt_units: mm
  const desc = (v.description ?? 'Apprentice mask').slice(0, 79);
  for (let i = 0; i < desc.length; i++) dv.setUint8(148 + i, desc.charCodeAt(i) & 0x7f);
  dv.setInt16(252, 0, le); // qform_code: the sform carries the geometry
  dv.setInt16(254, v.sformCode ?? 2, le);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, a[4 * r + c]!, le);
  [0x6e, 0x2b, 0x31, 0].forEach((b, i) => dv.setUint8(344 + i, b)); // "n+1\0"
  const body = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  const out = new Uint8Array(352 + body.length);
  out.set(new Uint8Array(header), 0);
  // Samples are little endian on every platform Node runs on.
  out.set(body, 352);
  return gzip ? new Uint8Array(gzipSync(out)) : out;
}
