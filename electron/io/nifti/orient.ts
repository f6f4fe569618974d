/**
 * Maps NIfTI voxel axes onto the display convention the DICOM side uses (patient LPS): columns run toward
 * the patient's left, rows toward posterior, slices from feet to head. Each voxel axis goes to the world
 * axis it is closest to (like nibabel's as_closest_canonical), flipped where it runs the other way, so
 * every volume shows as axial slices in radiological orientation whatever its storage order.
 */
export interface DisplayAxes {
  /** Source voxel axis (0=i, 1=j, 2=k) shown along columns, rows and slices. */
  sourceAxes: [number, number, number];
  flips: [boolean, boolean, boolean];
  cols: number;
  rows: number;
  slices: number;
  pixelSpacing: [number, number];
  sliceSpacing: number;
  orientation: [number, number, number, number, number, number];
  /** LPS position (mm) of the first pixel of display slice k. */
  position(k: number): [number, number, number];
  /** Source k index of display slice k (provenance). */
  sourceSlice(k: number): number;
}

export function displayAxes(affine: number[][], dims: [number, number, number]): DisplayAxes {
  // RAS -> LPS: negate the first two world rows.
  const m = [0, 1, 2].map((w) =>
    [0, 1, 2, 3].map((v) => (affine[w]?.[v] ?? (w === v ? 1 : 0)) * (w < 2 ? -1 : 1)),
  );
  const col = (v: number): number[] => [m[0]![v]!, m[1]![v]!, m[2]![v]!];
  const norm = (a: number[]): number => Math.hypot(a[0]!, a[1]!, a[2]!);
  const cols = [0, 1, 2].map(col);
  // Assign world axes greedily by the largest direction-cosine magnitude, so the result is a permutation.
  const pairs: { v: number; w: number; mag: number }[] = [];
  for (let v = 0; v < 3; v++) {
    const n = norm(cols[v]!) || 1;
    for (let w = 0; w < 3; w++) pairs.push({ v, w, mag: Math.abs(cols[v]![w]!) / n });
  }
  pairs.sort((a, b) => b.mag - a.mag);
  const source: number[] = [-1, -1, -1];
  const usedV = new Set<number>();
  for (const p of pairs) {
    if (source[p.w] !== -1 || usedV.has(p.v)) continue;
    source[p.w] = p.v;
    usedV.add(p.v);
  }
  const [ac, ar, as] = source as [number, number, number];
  const flip = (v: number, w: number): boolean => cols[v]![w]! < 0;
  const flips: [boolean, boolean, boolean] = [flip(ac, 0), flip(ar, 1), flip(as, 2)];
  const spacing = (v: number): number => norm(cols[v]!) || 1;
  const unit = (v: number, f: boolean): number[] => {
    const n = spacing(v);
    return cols[v]!.map((x) => (f ? -x : x) / n + 0); // + 0 turns -0 into 0
  };
  const rowDir = unit(ac, flips[0]);
  const colDir = unit(ar, flips[1]);
  const world = (idx: number[]): [number, number, number] => {
    const p = [0, 1, 2].map(
      (w) => m[w]![0]! * idx[0]! + m[w]![1]! * idx[1]! + m[w]![2]! * idx[2]! + m[w]![3]!,
    );
    return [p[0]! + 0, p[1]! + 0, p[2]! + 0];
  };
  const sourceIndex = (c: number, r: number, k: number): number[] => {
    const idx = [0, 0, 0];
    idx[ac] = flips[0] ? dims[ac]! - 1 - c : c;
    idx[ar] = flips[1] ? dims[ar]! - 1 - r : r;
    idx[as] = flips[2] ? dims[as]! - 1 - k : k;
    return idx;
  };
  return {
    sourceAxes: [ac, ar, as],
    flips,
    cols: dims[ac]!,
    rows: dims[ar]!,
    slices: dims[as]!,
    pixelSpacing: [spacing(ar), spacing(ac)],
    sliceSpacing: spacing(as),
    orientation: [rowDir[0]!, rowDir[1]!, rowDir[2]!, colDir[0]!, colDir[1]!, colDir[2]!],
    position: (k) => world(sourceIndex(0, 0, k)),
    sourceSlice: (k) => sourceIndex(0, 0, k)[as]!,
  };
}
