/**
 * The one TensorFlow.js handle of the app. Everything imports tensors, layers and optimizers from here,
 * never from @tensorflow/* directly, so there is one tfjs-core instance and backend registration
 * (engine/backend.ts) happens in one place. The stock 'cpu' backend registers itself on import.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as core from '@tensorflow/tfjs-core';
import * as layers from '@tensorflow/tfjs-layers';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';

/** The same exports as one object, for code that prefers `tf.conv2d(...)`. */
export const tf = { ...core, ...layers };
