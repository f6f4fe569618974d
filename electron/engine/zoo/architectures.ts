/**
 * The five student architectures as tfjs layers graphs, NHWC input [size, size, inChannels], output
 * logits [size, size, classes]. Filters of level i are width * 2^i.
 *   unet            Ronneberger et al. 2015 (plain; BatchNorm optional)
 *   attention-unet  Oktay et al. 2018: additive attention gates on the skip connections
 *   residual-unet   Zhang et al. 2018 (ResUNet): residual blocks in encoder and decoder
 *   unet++          Zhou et al. 2018: nested dense skip pathways, optional deep supervision
 *   deeplabv3+      Chen et al. 2018, lite: residual encoder to output stride 8, atrous residual blocks,
 *                   ASPP (1x1, rates 2/4/6, image pooling), low-level decoder at stride 4
 */
import * as tf from '../tf.js';
import { Builder, type T } from './builder.js';
import type { ArchConfig } from './types.js';

const filtersAt = (c: ArchConfig, level: number) => c.width * 2 ** level;

type Unit = (x: T, filters: number, name: string) => T;
type Join = (up: T, skip: T, level: number, filters: number) => T;

/**
 * The U shape of the U-Net family: per level a unit then a 2x2 pool, a bottleneck unit, then per level
 * (deepest first) an up-convolution joined with that level's skip and a unit. Members differ only in the
 * unit (conv block, residual block) and the join (concatenation, attention-gated concatenation); layer
 * names (enc/pool/mid/up/cat/dec/head) are the same for all, which checkpoints and encoder freezing rely on.
 */
function uShape(c: ArchConfig, b: Builder, x: T, unit: Unit, join?: Join): T[] {
  const skips: T[] = [];
  for (let i = 0; i < c.depth; i++) {
    x = unit(x, filtersAt(c, i), `enc${i}`);
    skips.push(x);
    x = b.pool(x, `pool${i}`);
  }
  x = unit(x, filtersAt(c, c.depth), 'mid');
  for (let i = c.depth - 1; i >= 0; i--) {
    const f = filtersAt(c, i);
    const up = b.up(x, f, `up${i}`);
    const joined = join ? join(up, skips[i]!, i, f) : b.cat([up, skips[i]!], `cat${i}`);
    x = unit(joined, f, `dec${i}`);
  }
  return [b.head(x, c.classes, 'head')];
}

function unet(c: ArchConfig, b: Builder, x: T): T[] {
  return uShape(c, b, x, (t, f, name) => b.block(t, f, name));
}

function attentionUnet(c: ArchConfig, b: Builder, x: T): T[] {
  return uShape(
    c,
    b,
    x,
    (t, f, name) => b.block(t, f, name),
    (g, s, i, f) => {
      // Additive attention: psi = sigmoid(W_psi relu(W_x s + W_g g)); the skip is scaled by psi per pixel.
      const inter = Math.max(1, f >> 1);
      const theta = b.conv(s, inter, `att${i}_x`, { k: 1, relu: false });
      const phi = b.conv(g, inter, `att${i}_g`, { k: 1, relu: false });
      const a = b.act(b.add([theta, phi], `att${i}_sum`), 'relu', `att${i}_relu`);
      const psi = b.act(b.conv(a, 1, `att${i}_psi`, { k: 1, relu: false }), 'sigmoid', `att${i}_sigmoid`);
      const gated = b.mul([s, psi], `att${i}_gate`);
      return b.cat([g, gated], `cat${i}`);
    },
  );
}

function residualUnet(c: ArchConfig, b: Builder, x: T): T[] {
  return uShape(c, b, x, (t, f, name) => b.residual(t, f, name));
}

function unetPlusPlus(c: ArchConfig, b: Builder, input: T): T[] {
  // nodes[i][j]: level i (resolution / 2^i), column j (j = 0 is the encoder).
  const nodes: T[][] = [];
  let x = input;
  for (let i = 0; i <= c.depth; i++) {
    if (i > 0) x = b.pool(nodes[i - 1]![0]!, `pool${i - 1}`);
    nodes.push([b.block(x, filtersAt(c, i), `x${i}_0`)]);
  }
  for (let j = 1; j <= c.depth; j++) {
    for (let i = 0; i + j <= c.depth; i++) {
      const up = b.up(nodes[i + 1]![j - 1]!, filtersAt(c, i), `up${i}_${j}`);
      const cat = b.cat([...nodes[i]!.slice(0, j), up], `cat${i}_${j}`);
      nodes[i]!.push(b.block(cat, filtersAt(c, i), `x${i}_${j}`));
    }
  }
  const top = nodes[0]!;
  if (!c.deepSupervision) return [b.head(top[c.depth]!, c.classes, 'head')];
  // Last head last: inference uses outputs[outputs.length - 1].
  return top.slice(1).map((n, j) => b.head(n, c.classes, j + 1 === c.depth ? 'head' : `head${j + 1}`));
}

function deeplabV3Plus(c: ArchConfig, b: Builder, input: T): T[] {
  const w = c.width;
  let x = b.conv(input, w, 'stem_conv1', { strides: 2 }); // stride 2
  x = b.conv(x, w, 'stem_conv2');
  const low = b.residual(x, 2 * w, 'stage1', { strides: 2 }); // stride 4: low-level features
  x = b.residual(low, 4 * w, 'stage2', { strides: 2 }); // stride 8
  for (let i = 0; i < c.depth; i++) x = b.residual(x, 8 * w, `atrous${i}`, { rate: 2 ** (i + 1) });
  // ASPP
  const a = 4 * w;
  const fs = c.size / 8;
  const branches = [b.conv(x, a, 'aspp_1x1', { k: 1 })];
  for (const r of [2, 4, 6]) branches.push(b.conv(x, a, `aspp_r${r}`, { rate: r }));
  const pooled = tf.layers
    .averagePooling2d({ poolSize: [fs, fs], strides: [fs, fs], name: 'aspp_pool' })
    .apply(x) as T;
  branches.push(
    b.upsample(b.conv(pooled, a, 'aspp_pool_conv', { k: 1 }), [fs, fs], 'nearest', 'aspp_pool_up'),
  );
  x = b.conv(b.cat(branches, 'aspp_cat'), a, 'aspp_proj', { k: 1 });
  // Decoder at stride 4
  x = b.upsample(x, 2, 'bilinear', 'dec_up');
  const lowProj = b.conv(low, Math.max(8, w), 'dec_low', { k: 1 });
  x = b.conv(b.cat([x, lowProj], 'dec_cat'), a, 'dec_conv1');
  x = b.conv(x, a, 'dec_conv2');
  const logits = b.head(x, c.classes, 'head_s4');
  return [b.upsample(logits, 4, 'bilinear', 'head')];
}

export const ARCH_BUILDERS: Record<ArchConfig['arch'], (c: ArchConfig, b: Builder, x: T) => T[]> = {
  unet,
  'attention-unet': attentionUnet,
  'residual-unet': residualUnet,
  'unet++': unetPlusPlus,
  'deeplabv3+': deeplabV3Plus,
};
