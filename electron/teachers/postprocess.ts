/**
 * Model output -> foreground probability on the image's own grid: read the output tensor as the card says
 * (layout, channels, logits/sigmoid/softmax, foreground channel), then invert the resize policy (crop the
 * letterbox, bilinear-resize back to rows x cols). Probabilities are mapped back, not logits: the cards'
 * mask rule is "probability > 0.5 after mapping back".
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { resizeBilinear } from '../engine/image/resize.js';
import type { InputContract, OutputContract, Placement } from './contract.js';

export interface OutputGrid {
  height: number;
  width: number;
  channels: number;
}

/** Checks an output tensor's shape against the contract and returns its per-image grid. */
export function outputGrid(
  dims: readonly number[],
  batch: number,
  o: OutputContract,
  what: string,
): OutputGrid {
  const shape = `[${dims.join(', ')}]`;
  const fail = (why: string) =>
    new AppError(ErrorCode.INVALID_ARGUMENT, `${what}: the output ${shape} does not fit the card: ${why}`, {
      dims: [...dims],
    });
  if (dims[0] !== batch) throw fail(`batch axis is ${dims[0]}, expected ${batch}`);
  let grid: OutputGrid;
  if (dims.length === 3) grid = { height: dims[1]!, width: dims[2]!, channels: 1 };
  else if (dims.length === 4)
    grid =
      o.layout === 'NCHW'
        ? { channels: dims[1]!, height: dims[2]!, width: dims[3]! }
        : { height: dims[1]!, width: dims[2]!, channels: dims[3]! };
  else throw fail(`expected 4 axes (${o.layout}) or 3 (N, H, W)`);
  if (grid.channels !== o.channels)
    throw fail(`${grid.channels} channel(s), the card says ${o.channels} (${o.layout})`);
  if (grid.height < 1 || grid.width < 1) throw fail('empty spatial size');
  return grid;
}

/**
 * The foreground probability of image `n` of a batch output, on the output grid. A NaN or infinite score
 * is refused: a mask made from it would silently be empty.
 */
export function foregroundProbability(
  data: Float32Array,
  n: number,
  g: OutputGrid,
  o: OutputContract,
  what: string,
): Float32Array {
  const hw = g.height * g.width;
  const C = g.channels;
  const base = n * hw * C;
  // Element (channel c, pixel i) of this image, for either layout.
  const cs = o.layout === 'NCHW' ? hw : 1;
  const is = o.layout === 'NCHW' ? 1 : C;
  const fg = o.foregroundChannel;
  const out = new Float32Array(hw);
  let bad = 0;
  for (let i = 0; i < hw; i++) {
    const at = base + i * is;
    let p: number;
    if (o.kind === 'logits' && C === 1) {
      p = 1 / (1 + Math.exp(-data[at]!));
    } else if (o.kind === 'logits') {
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, data[at + c * cs]!);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(data[at + c * cs]! - max);
      p = Math.exp(data[at + fg * cs]! - max) / sum;
    } else {
      p = data[at + fg * cs]!;
    }
    // Infinite logits are legitimate (p = 0 or 1); NaN never is, nor an infinite probability.
    if (Number.isNaN(p) || (o.kind !== 'logits' && !Number.isFinite(p))) bad++;
    out[i] = p;
  }
  if (bad > 0)
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${what}: the output has ${bad} NaN or infinite value(s) of ${hw}`,
      {
        nonFinite: bad,
      },
    );
  return out;
}

/** Brings a probability map on the output grid back to the image grid (inverse of the resize policy). */
export function toImageGrid(
  prob: Float32Array,
  g: OutputGrid,
  p: Placement,
  input: InputContract,
): Float32Array {
  let onInput = prob;
  // An output at another resolution than the input (e.g. output stride 4) covers the same field of view.
  if (g.height !== input.height || g.width !== input.width)
    onInput = resizeBilinear(prob, g.height, g.width, input.height, input.width);
  return resizeBilinear(onInput, p.nh, p.nw, p.rows, p.cols, {
    srcOffset: p.top * input.width + p.left,
    srcStride: input.width,
  });
}
