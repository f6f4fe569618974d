/**
 * Adam with the per-variable update in one pass (tfjs' AdamOptimizer runs about fourteen kernels
 * per variable per step). It is tfjs' AdamOptimizer: same state, same weights for save/restore, same
 * class name; only applyGradients takes the one-pass path when the active backend is one of ours
 * (native-cpu: the addon; js-cpu: a JS loop). The update replays tfjs' float32 operation order, so results are identical (the
 * numerics suite checks this against the stock optimizer).
 */
import type { NamedTensor, NamedVariableMap } from '@tensorflow/tfjs-core/dist/tensor_types.js';
import { fastCpuRegistration } from '../kernels/register.js';
import type { RecyclingCpuBackend } from '../kernels/recycling-backend.js';
import * as tf from '../tf.js';

/** AdamOptimizer's private state, as laid out by tfjs-core 4.x (adam_optimizer.ts). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

function values(backend: RecyclingCpuBackend, t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId)?.values;
  return v instanceof Float32Array ? v : null;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  constructor(learningRate = 1e-3, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: NamedVariableMap | NamedTensor[]): void {
    const kernels = fastCpuRegistration(tf.getBackend())?.memory;
    if (!kernels) return super.applyGradients(variableGradients);
    const backend = tf.backend() as RecyclingCpuBackend;
    const s = this as unknown as AdamState;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    const grads = names.map((name, i) =>
      Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name],
    );
    const vars = names.map((name) => tf.engine().registeredVariables[name]);
    if (vars.some((v, i) => !v || v.dtype !== 'float32' || (grads[i] && grads[i]!.dtype !== 'float32')))
      return super.applyGradients(variableGradients);

    tf.tidy(() => {
      const acc1 = s.accBeta1.dataSync()[0]!,
        acc2 = s.accBeta2.dataSync()[0]!;
      const consts = Float64Array.of(
        this.learningRate,
        this.beta1,
        1 - this.beta1,
        this.beta2,
        1 - this.beta2,
        this.epsilon,
        Math.fround(1 - acc1),
        Math.fround(1 - acc2),
      );
      names.forEach((name, i) => {
        const value = vars[i]!;
        s.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        s.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = grads[i];
        if (!gradient) return;
        const m = s.accumulatedFirstMoment[i]!.variable,
          v = s.accumulatedSecondMoment[i]!.variable;
        const [pv, mv, vv, gv] = [value, m, v, gradient].map((t) => values(backend, t));
        const n = value.size;
        const out = [backend.alloc(n), backend.alloc(n), backend.alloc(n)] as const;
        kernels.adam(pv!, mv!, vv!, gv!, out[0], out[1], out[2], consts);
        const wrap = (t: tf.Variable, a: Float32Array) =>
          tf.engine().makeTensorFromTensorInfo(backend.output([...t.shape], a), backend);
        m.assign(wrap(m, out[1]));
        v.assign(wrap(v, out[2]));
        value.assign(wrap(value, out[0]));
      });
      s.accBeta1.assign(tf.mul(s.accBeta1, this.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
