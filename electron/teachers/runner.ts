/**
 * The one interface every teacher kind implements (ONNX, TF.js, a folder of precomputed masks): images in,
 * foreground probability maps on each image's own grid out. A problem with one image is that image's
 * result; a problem with the teacher itself (contract does not fit the model) is thrown.
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { TeacherKind } from './card.js';
import type { InputContract, OutputContract, Placement } from './contract.js';
import { outputGrid, foregroundProbability, toImageGrid } from './postprocess.js';
import { inputLength, preprocess, type TeacherImage } from './preprocess.js';

export type PredictResult = { ok: true; prob: Float32Array } | { ok: false; error: AppError };

export interface TeacherRunner {
  readonly name: string;
  readonly kind: TeacherKind;
  /** How many images one predict() call should carry. */
  readonly batchSize: number;
  /** The image channels the teacher looks at (1 grey, 3 colour); null for one that reads no image (mask folder). */
  readonly inputChannels: 1 | 3 | null;
  /**
   * Where its model runs: the onnxruntime execution provider ('webgpu', 'cuda', 'cpu') or the tfjs
   * backend; absent for a teacher that computes nothing (mask folder).
   */
  readonly provider?: string;
  /** What the user should know about how it runs, e.g. a GPU provider that failed and the CPU that took over. */
  readonly notices?: readonly string[];
  predict(images: readonly TeacherImage[]): Promise<PredictResult[]>;
  dispose(): Promise<void>;
}

/** Where each teacher runs, by name ('none' for one that computes nothing): for summaries and reports. */
export function teacherProviders(runners: readonly TeacherRunner[]): Record<string, string> {
  return Object.fromEntries(runners.map((r) => [r.name, r.provider ?? 'none']));
}

/** A model as a function of a batch tensor (the input laid out as the contract says). */
export interface TensorModel {
  /** Fixed batch size of the model, or null when the batch axis is dynamic. */
  readonly fixedBatch: number | null;
  /** Where it runs (TeacherRunner.provider); may change after a fall back to the CPU. */
  readonly provider?: string;
  readonly notices?: readonly string[];
  run(input: Float32Array, batch: number): Promise<{ data: Float32Array; dims: number[] }>;
  dispose(): Promise<void>;
}

function asImageError(teacher: string, image: string, err: unknown): AppError {
  const msg = err instanceof Error ? err.message : String(err);
  const code = err instanceof AppError ? err.code : ErrorCode.BAD_FILE;
  return new AppError(
    code,
    `teacher "${teacher}" failed on ${image}: ${msg}`,
    { teacher, image },
    { cause: err },
  );
}

/** Preprocessing, batching, failure isolation and postprocessing shared by the tensor teachers. */
export class TensorTeacher implements TeacherRunner {
  readonly batchSize: number;

  constructor(
    readonly name: string,
    readonly kind: TeacherKind,
    private readonly input: InputContract,
    private readonly output: OutputContract,
    private readonly model: TensorModel,
    batchSize = 8,
  ) {
    this.batchSize = model.fixedBatch ?? batchSize;
  }

  get inputChannels(): 1 | 3 {
    return this.input.channels;
  }

  get provider(): string | undefined {
    return this.model.provider;
  }

  get notices(): readonly string[] {
    return this.model.notices ?? [];
  }

  async predict(images: readonly TeacherImage[]): Promise<PredictResult[]> {
    const results: PredictResult[] = new Array(images.length);
    for (let s = 0; s < images.length; s += this.batchSize) {
      const part = images.slice(s, s + this.batchSize);
      const out = await this.predictBatch(part);
      out.forEach((r, k) => (results[s + k] = r));
    }
    return results;
  }

  private async predictBatch(images: readonly TeacherImage[]): Promise<PredictResult[]> {
    const len = inputLength(this.input);
    const results: (PredictResult | undefined)[] = new Array(images.length).fill(undefined);
    const ok: number[] = [];
    const placements: Placement[] = [];
    const batch = this.model.fixedBatch ?? images.length;
    const tensor = new Float32Array(batch * len);
    for (let k = 0; k < images.length; k++) {
      try {
        placements.push(preprocess(images[k]!, this.input, tensor, ok.length * len));
        ok.push(k);
      } catch (err) {
        results[k] = { ok: false, error: asImageError(this.name, images[k]!.name, err) };
      }
    }
    if (ok.length === 0) return results as PredictResult[];
    const n = this.model.fixedBatch ?? ok.length;
    let out: { data: Float32Array; dims: number[] };
    try {
      out = await this.model.run(n === tensor.length / len ? tensor : tensor.subarray(0, n * len), n);
    } catch (err) {
      // One bad image must not sink its batch: run them one by one to find it.
      if (ok.length > 1 && this.model.fixedBatch === null) {
        for (const k of ok) results[k] = (await this.predictBatch([images[k]!]))[0]!;
        return results as PredictResult[];
      }
      for (const k of ok) results[k] = { ok: false, error: asImageError(this.name, images[k]!.name, err) };
      return results as PredictResult[];
    }
    // A shape that does not fit the card is the teacher's problem, not an image's: thrown.
    const grid = outputGrid(out.dims, n, this.output, `teacher "${this.name}"`);
    ok.forEach((k, j) => {
      try {
        const prob = foregroundProbability(out.data, j, grid, this.output, `teacher "${this.name}"`);
        results[k] = { ok: true, prob: toImageGrid(prob, grid, placements[j]!, this.input) };
      } catch (err) {
        results[k] = { ok: false, error: asImageError(this.name, images[k]!.name, err) };
      }
    });
    return results as PredictResult[];
  }

  dispose(): Promise<void> {
    return this.model.dispose();
  }
}
