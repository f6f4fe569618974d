/**
 * The exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): a separable lower envelope
 * of parabolas, one pass per axis with that axis' spacing, so anisotropic voxels give distances in mm.
 * One implementation for the 2-D HD95 of an image (a volume of one slice) and the 3-D HD95 of a volume.
 */
/** Spacing of the grid's axes in mm (or 1 for pixels): [row, column, slice]. */
type AxisSpacing = [number, number, number];

/** Distance² of a voxel with no seed anywhere: finite, so envelope arithmetic never meets INF - INF. */
export const INF = 1e20;

/** 1-D squared-distance transform of f (lower envelope of parabolas), samples `s` apart. */
function edt1d(f: Float64Array, n: number, s: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -INF;
  z[1] = INF;
  const s2 = s * s;
  // Parabolas rooted at INF never enter the envelope: skipping them avoids INF - INF.
  let first = 0;
  while (first < n && f[first]! >= INF) first++;
  if (first === n) {
    d.fill(INF, 0, n);
    return;
  }
  v[0] = first;
  for (let q = first + 1; q < n; q++) {
    if (f[q]! >= INF) continue;
    const fq = f[q]! + s2 * q * q;
    let p = v[k]!;
    let sx = (fq - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
    // z[0] = -INF lies below every finite crossing, so k never drops below 0.
    while (sx <= z[k]!) {
      p = v[--k]!;
      sx = (fq - (f[p]! + s2 * p * p)) / (2 * s2 * (q - p));
    }
    k++;
    v[k] = q;
    z[k] = sx;
    z[k + 1] = INF;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    d[q] = s2 * (q - p) * (q - p) + f[p]!;
  }
}

/**
 * Squared Euclidean distance (mm²) from every voxel of a [slices, rows, cols] grid to the nearest non-zero
 * voxel of `seeds`, with anisotropic spacing [row, col, slice]; INF (1e20) everywhere when there is none.
 */
export function squaredDistanceTransform3d(
  seeds: Uint8Array,
  dims: [slices: number, rows: number, cols: number],
  spacing: AxisSpacing,
): Float64Array {
  const [nz, ny, nx] = dims;
  const out = new Float64Array(nz * ny * nx);
  for (let i = 0; i < out.length; i++) out[i] = seeds[i] ? 0 : INF;
  const n = Math.max(nz, ny, nx);
  const f = new Float64Array(n),
    d = new Float64Array(n),
    z = new Float64Array(n + 1);
  const v = new Int32Array(n);
  // One pass per axis: [length, stride, spacing, and the strides of the two other axes with their lengths].
  const passes: [number, number, number, number, number, number, number][] = [
    [nx, 1, spacing[1], nx, ny, nx * ny, nz],
    [ny, nx, spacing[0], 1, nx, nx * ny, nz],
    [nz, nx * ny, spacing[2], 1, nx, nx, ny],
  ];
  for (const [len, stride, s, strideA, lenA, strideB, lenB] of passes) {
    if (len === 1) continue;
    for (let b = 0; b < lenB; b++)
      for (let a = 0; a < lenA; a++) {
        const base = a * strideA + b * strideB;
        for (let q = 0; q < len; q++) f[q] = out[base + q * stride]!;
        edt1d(f, len, s, d, v, z);
        for (let q = 0; q < len; q++) out[base + q * stride] = d[q]!;
      }
  }
  return out;
}
