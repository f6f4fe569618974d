/** Child of backend.test.ts: with APPRENTICE_DISABLE_ADDON=1, starts the engine and trains a few steps. */
import { initCompute } from '../../../electron/engine/backend.js';
import { buildUNet } from '../../bench/reference/unet.js';
import * as tf from '../../../electron/engine/tf.js';
import { FusedAdamOptimizer } from '../../../electron/engine/training/fused-adam.js';
import { bceWithLogits } from '../../../electron/engine/training/losses.js';
import { makeTrainStep } from '../../bench/reference/train-step.js';

const info = await initCompute();
const model = buildUNet({ filters: [4, 8], size: 16 });
const step = makeTrainStep(model, new FusedAdamOptimizer(1e-2), bceWithLogits);
const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 1);
const y = tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2), 0.5), 'float32');
const losses = [await step(x, y), await step(x, y), await step(x, y)];
console.log(JSON.stringify({ info, losses }));
