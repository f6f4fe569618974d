import { gpuMemory } from '../../engine/webgpu/guard.js';
import type { TrainProgress } from './types.js';

/** The progress event's GPU memory field: present only when training on a GPU. */
export function gpuMemoryField(): Pick<TrainProgress, 'gpuMemory'> {
  const m = gpuMemory();
  return m ? { gpuMemory: m } : {};
}
