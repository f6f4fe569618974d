/**
 * On-the-fly augmentation of one (image, target) pair at model resolution, drawn from the seeded Rng:
 * flips, a small rotation and scale (one inverse-mapped bilinear warp for image and target, zero
 * outside), then intensity jitter on the image only (contrast around the mean, brightness, gamma).
 */
import type { Rng } from './rng.js';

export interface AugmentOptions {
  hflip: boolean;
  vflip: boolean;
  /** Maximum rotation in degrees (uniform in +-). */
  rotateDeg: number;
  /** Maximum relative scale change (uniform in 1 +- scale). */
  scale: number;
  /** Maximum brightness shift on the [0, 1] scale. */
  brightness: number;
  /** Maximum relative contrast change. */
  contrast: number;
  /** Maximum relative gamma change. */
  gamma: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  hflip: true,
  vflip: false, // anatomy in ultrasound/radiographs has an up; opt in where it has not
  rotateDeg: 10,
  scale: 0.1,
  brightness: 0.05,
  contrast: 0.15,
  gamma: 0.15,
};

/**
 * Returns augmented copies. `x` is size x size x ch interleaved, `y` is size x size x yc.
 * `binaryTarget` re-thresholds the warped target at 0.5 so hard labels stay hard.
 */
export function augmentPair(
  x: Float32Array,
  y: Float32Array,
  size: number,
  ch: number,
  yc: number,
  o: AugmentOptions,
  rng: Rng,
  binaryTarget: boolean,
): { x: Float32Array; y: Float32Array } {
  // Draw every random number first, in a fixed order, so the sequence does not depend on the options' effects.
  const flipH = o.hflip && rng.next() < 0.5;
  const flipV = o.vflip && rng.next() < 0.5;
  const angle = ((rng.uniform(-1, 1) * o.rotateDeg) / 180) * Math.PI;
  const scale = 1 + rng.uniform(-1, 1) * o.scale;
  const contrast = 1 + rng.uniform(-1, 1) * o.contrast;
  const brightness = rng.uniform(-1, 1) * o.brightness;
  const gamma = 1 + rng.uniform(-1, 1) * o.gamma;

  const identity = angle === 0 && scale === 1;
  const c = (size - 1) / 2;
  const cos = Math.cos(angle) / scale,
    sin = Math.sin(angle) / scale;
  const xo = new Float32Array(x.length),
    yo = new Float32Array(y.length);
  for (let r = 0; r < size; r++) {
    for (let col = 0; col < size; col++) {
      const dr = (flipV ? size - 1 - r : r) - c,
        dc = (flipH ? size - 1 - col : col) - c;
      // Inverse map: output pixel -> source coordinates.
      const sr = identity ? dr + c : cos * dr - sin * dc + c;
      const sc = identity ? dc + c : sin * dr + cos * dc + c;
      const o = r * size + col;
      sample(x, size, ch, sr, sc, xo, o * ch);
      sample(y, size, yc, sr, sc, yo, o * yc);
    }
  }
  if (binaryTarget) for (let i = 0; i < yo.length; i++) yo[i] = yo[i]! >= 0.5 ? 1 : 0;

  let mean = 0;
  for (let i = 0; i < xo.length; i++) mean += xo[i]!;
  mean /= xo.length || 1;
  for (let i = 0; i < xo.length; i++) {
    const v = Math.min(1, Math.max(0, (xo[i]! - mean) * contrast + mean + brightness));
    xo[i] = v ** gamma;
  }
  return { x: xo, y: yo };
}

function sample(
  src: Float32Array,
  size: number,
  ch: number,
  r: number,
  c: number,
  dst: Float32Array,
  at: number,
): void {
  const r0 = Math.floor(r),
    c0 = Math.floor(c);
  const wr = r - r0,
    wc = c - c0;
  for (let k = 0; k < ch; k++) {
    let v = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        const rr = r0 + i,
          cc = c0 + j;
        if (rr < 0 || cc < 0 || rr >= size || cc >= size) continue;
        v += src[(rr * size + cc) * ch + k]! * (i ? wr : 1 - wr) * (j ? wc : 1 - wc);
      }
    dst[at + k] = v;
  }
}
