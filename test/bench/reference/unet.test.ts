/**
 * The benchmark's reference U-Net (./unet.ts) is the network of ../shared/bench/torch_unet.py, layer for
 * layer: same parameter counts, so `npm run bench:engine`'s PyTorch ratios compare engines, not models.
 * (The engine's gradients and fused Adam are tested on the product's zoo U-Net in test/unit/engine/training.)
 */
import { beforeAll, expect, it } from 'vitest';
import { buildUNet } from './unet.js';
import * as tf from '../../../electron/engine/tf.js';
import { engineBackends } from '../../unit/engine/setup.js';

beforeAll(async () => {
  await engineBackends();
});

it('matches the PyTorch reference architecture (parameter counts of torch_unet.py)', async () => {
  await tf.setBackend('cpu');
  const tiny = buildUNet({ filters: [8, 16, 32], size: 128 });
  const big = buildUNet({ filters: [32, 64, 128, 256], size: 256 });
  // torch_unet.py prints params 29321 (tiny) and 1925025 (big) for the same layers.
  expect([tiny.countParams(), big.countParams()]).toEqual([29321, 1925025]);
  expect(tiny.outputs[0]!.shape).toEqual([null, 128, 128, 1]);
  tiny.dispose();
  big.dispose();
});

it('rejects sizes the pooling cannot halve', () => {
  expect(() => buildUNet({ filters: [8, 16, 32], size: 30 })).toThrow(/multiple of 4/);
});
