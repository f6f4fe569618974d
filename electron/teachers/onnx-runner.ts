/**
 * ONNX teachers through onnxruntime-node: a GPU execution provider where one can be had (onnx-providers.ts
 * says which), the CPU everywhere else and whenever the GPU provider cannot run the model. The card's
 * input contract is checked against the model's declared input before anything runs, so a wrong card
 * fails at once with a message, not after hours.
 */
import type { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { startModuleWorker } from '../util/worker.js';
import { readModelFile, type TeacherCard } from './card.js';
import type { InputContract } from './contract.js';
import {
  fallbackNotice,
  teacherProviderPlan,
  withCpuFallback,
  type TeacherProviderChoice,
} from './onnx-providers.js';
import type { OnnxWorkerData, OnnxWorkerReply, OnnxWorkerRequest } from './onnx-worker-protocol.js';
import { inputLength } from './preprocess.js';
import { TensorTeacher, type TensorModel } from './runner.js';

export interface OnnxOptions {
  /** intra-op threads (default 2: the project's machines have 2 cores shared with the UI). */
  threads?: number;
  /**
   * 'auto' (default: APPRENTICE_TEACHER_PROVIDER, else auto), or a provider to use even on a software GPU
   * adapter. Whichever GPU provider is taken, 'cpu' backs it up.
   */
  provider?: TeacherProviderChoice;
  /** Execution providers, best first, instead of `provider` (CLI --provider); 'cpu' is added last. */
  providers?: string[];
  /** Told when a GPU provider fails and the teacher continues on the CPU (the job's notices and log). */
  onNotice?: (message: string) => void;
  batchSize?: number;
  /**
   * Run the model in the calling thread instead of a worker thread. onnxruntime-node computes on the
   * thread that calls it, so the default (a worker) keeps the caller free to store results meanwhile.
   */
  inProcess?: boolean;
}

export async function createOnnxSession(
  bytes: Uint8Array,
  path: string,
  opts: OnnxOptions = {},
  providers: string[] = ['cpu'],
): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(opts, providers));
  } catch (err) {
    throw new AppError(
      ErrorCode.BAD_FILE,
      `${path} cannot be loaded as an ONNX model (${(err as Error).message.split('\n')[0]})`,
      { path },
      { cause: err },
    );
  }
}

type Dim = number | string;

/**
 * The model's fixed batch size (null when dynamic); throws when the contract contradicts the model.
 * `source` names the card file and the model file, so a wrong card is found without guessing.
 */
export function checkOnnxInput(
  meta: readonly ort.InferenceSession.ValueMetadata[],
  c: InputContract,
  what: string,
  source: { card: string | undefined; model: string },
): number | null {
  const m = c.name === undefined ? meta[0] : meta.find((v) => v.name === c.name);
  if (!m) {
    const names = meta.map((v) => v.name);
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: the card names input "${c.name}" but the model ${source.model} has no input "${c.name}" (its inputs: ${names.join(', ')})`,
      { card: source.card, model: source.model, expected: c.name, actual: names },
    );
  }
  if (!m.isTensor || m.type !== 'float32')
    throw new AppError(
      ErrorCode.UNSUPPORTED,
      `${what}: input "${m.name}" is ${m.isTensor ? m.type : 'not a tensor'}, not float32`,
      {
        input: m.name,
      },
    );
  const shape = m.shape as readonly Dim[];
  if (shape.length !== 4)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: input "${m.name}" has ${shape.length} axes, the card describes 4 (${c.layout})`,
      {
        input: m.name,
      },
    );
  const [, a, b, d] = shape;
  const want =
    c.layout === 'NCHW' ? { channels: a, height: b, width: d } : { height: a, width: b, channels: d };
  for (const [k, v] of Object.entries(want) as [keyof typeof want, Dim | undefined][]) {
    const card = c[k];
    if (typeof v === 'number' && v !== card)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: the card says ${k} ${card} (${c.layout}) but the model input "${m.name}" is [${shape.join(', ')}]`,
        { input: m.name, field: k, card, model: v },
      );
  }
  return typeof shape[0] === 'number' && shape[0] > 0 ? shape[0] : null;
}

/** One loaded ONNX model, in this thread or in a worker thread. */
interface OnnxSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  run(
    input: string,
    output: string,
    data: Float32Array,
    dims: number[],
  ): Promise<{ data: Float32Array; dims: number[] }>;
  release(): Promise<void>;
}

function sessionOptions(opts: OnnxOptions, providers: string[]): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: opts.threads ?? 2,
    interOpNumThreads: 1,
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    // Idle intra-op threads sleep instead of spinning: the job's own thread (storage, fusion) and the
    // UI share the same few cores, and spinning threads would take their time.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

async function inThread(
  bytes: Uint8Array,
  path: string,
  opts: OnnxOptions,
  providers: string[],
): Promise<OnnxSessionLike> {
  const session = await createOnnxSession(bytes, path, opts, providers);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    async run(input, output, data, dims) {
      const out = (await session.run({ [input]: new ort.Tensor('float32', data, dims) }, [output]))[output]!;
      if (out.type !== 'float32')
        throw new AppError(ErrorCode.UNSUPPORTED, `output "${output}" is ${out.type}, not float32 scores`, {
          output,
        });
      return { data: out.data as Float32Array, dims: [...out.dims] };
    },
    release: () => session.release(),
  };
}

function startWorker(data: OnnxWorkerData): Worker {
  return startModuleWorker('./onnx-worker', import.meta.url, {
    workerData: data,
    transferList: [data.bytes.buffer as ArrayBuffer],
  });
}

async function inWorker(
  bytes: Uint8Array,
  path: string,
  opts: OnnxOptions,
  providers: string[],
): Promise<OnnxSessionLike> {
  // A copy of its own (a Buffer's slice() is a view): transferred to the worker, and the CPU may need the bytes again.
  const own = new Uint8Array(bytes);
  const worker = startWorker({ bytes: own, options: sessionOptions(opts, providers) });
  const calls = new Map<
    number,
    { resolve: (r: { data: Float32Array; dims: number[] }) => void; reject: (e: Error) => void }
  >();
  let next = 0;
  let failure: Error | undefined;
  const failAll = (e: Error) => {
    failure = e;
    for (const c of calls.values()) c.reject(e);
    calls.clear();
  };
  const ready = new Promise<Extract<OnnxWorkerReply, { type: 'ready' }>>((resolve, reject) => {
    worker.on('message', (m: OnnxWorkerReply) => {
      if (m.type === 'ready') resolve(m);
      else if (m.type === 'load-error')
        reject(
          new AppError(
            ErrorCode.BAD_FILE,
            `${path} cannot be loaded as an ONNX model (${m.message.split('\n')[0]})`,
            { path },
            { cause: new Error(m.message) },
          ),
        );
      else {
        const c = calls.get(m.id);
        calls.delete(m.id);
        if (calls.size === 0) worker.unref();
        if (m.type === 'result') c?.resolve({ data: m.data, dims: m.dims });
        else c?.reject(new Error(m.message));
      }
    });
    worker.on('error', (e) => {
      reject(e);
      failAll(e);
    });
    worker.on('exit', (code) => {
      const e = new AppError(ErrorCode.INTERNAL, `The ONNX worker for ${path} stopped (exit code ${code})`);
      reject(e);
      if (calls.size) failAll(e);
    });
  });
  let meta: Extract<OnnxWorkerReply, { type: 'ready' }>;
  try {
    meta = await ready;
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  worker.unref();
  return {
    inputNames: meta.inputNames,
    outputNames: meta.outputNames,
    inputMetadata: meta.inputMetadata,
    run(input, output, data, dims) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        calls.set(id, { resolve, reject });
        // Referenced only while a run is pending: an idle runner never keeps the process alive.
        worker.ref();
        const msg: OnnxWorkerRequest = { type: 'run', id, input, output, data, dims };
        worker.postMessage(msg);
      });
    },
    async release() {
      worker.postMessage({ type: 'release' } satisfies OnnxWorkerRequest);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => void worker.terminate().then(() => resolve()), 2000);
        worker.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    },
  };
}

function inputDims(c: InputContract, batch: number): number[] {
  return c.layout === 'NCHW'
    ? [batch, c.channels, c.height, c.width]
    : [batch, c.height, c.width, c.channels];
}

class OnnxModel implements TensorModel {
  readonly notices: string[] = [];

  constructor(
    private session: OnnxSessionLike,
    private readonly input: InputContract,
    private readonly inputName: string,
    private readonly outputName: string,
    readonly fixedBatch: number | null,
    /** The provider the session runs on. */
    public provider: string,
    /** Opens the model again on the CPU alone: used when a run fails on a GPU provider. */
    private readonly reopenOnCpu: () => Promise<OnnxSessionLike>,
    private readonly teacher: string,
    private readonly onNotice: ((message: string) => void) | undefined,
  ) {}

  notice(message: string): void {
    this.notices.push(message);
    this.onNotice?.(message);
  }

  async run(data: Float32Array, batch: number): Promise<{ data: Float32Array; dims: number[] }> {
    const dims = inputDims(this.input, batch);
    if (this.provider === 'cpu') return this.session.run(this.inputName, this.outputName, data, dims);
    try {
      return await this.session.run(this.inputName, this.outputName, data, dims);
    } catch (err) {
      // The GPU provider failed mid-run (out of memory, a kernel it lacks at this size): when the CPU
      // runs the batch, the teacher stays there; when it does not either, the batch is at fault.
      const cpu = await this.reopenOnCpu().catch(() => null);
      if (!cpu) throw err;
      let out: { data: Float32Array; dims: number[] };
      try {
        // `data` is intact: the worker is sent a copy, onnxruntime does not write its inputs.
        out = await cpu.run(this.inputName, this.outputName, data, dims);
      } catch {
        await cpu.release();
        throw err;
      }
      const failed = this.provider;
      await this.session.release();
      this.session = cpu;
      this.provider = 'cpu';
      this.notice(fallbackNotice(this.teacher, failed, err));
      return out;
    }
  }

  dispose(): Promise<void> {
    return this.session.release();
  }
}

/** The model's input and output the card names, checked against the loaded model; throws when they differ. */
function fitCard(
  session: Pick<OnnxSessionLike, 'inputNames' | 'outputNames' | 'inputMetadata'>,
  card: TeacherCard,
): { inputName: string; outputName: string; fixedBatch: number | null } {
  const contract = card.contract!;
  const what = `teacher "${card.name}"${card.source ? ` (card ${card.source})` : ''}`;
  const source = { card: card.source, model: card.modelPath };
  const fixedBatch = checkOnnxInput(session.inputMetadata, contract.input, what, source);
  const inputName = contract.input.name ?? session.inputNames[0]!;
  const outputName = contract.output.name ?? session.outputNames[0]!;
  if (!session.outputNames.includes(outputName))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: the card names output "${outputName}" but the model ${card.modelPath} has no output "${outputName}" (its outputs: ${session.outputNames.join(', ')})`,
      { ...source, expected: outputName, actual: session.outputNames },
    );
  return { inputName, outputName, fixedBatch };
}

/**
 * Checks that `bytes` are an ONNX model onnxruntime loads and that it has the input and output its card
 * describes, before the bytes are stored as that teacher's model. Throws BAD_FILE / INVALID_ARGUMENT.
 */
export async function checkOnnxModel(bytes: Uint8Array, card: TeacherCard): Promise<void> {
  const session = await createOnnxSession(bytes, card.modelPath, { threads: 1 });
  try {
    fitCard(session, card);
  } finally {
    await session.release();
  }
}

/**
 * Opens the teacher on the providers its options ask for (onnx-providers.ts). On a GPU provider it is
 * also run once on a blank batch, so a provider that loads the model but cannot run it is found here;
 * either failure reopens it on the CPU with a notice (OnnxOptions.onNotice, and the runner's notices).
 */
export async function openOnnxTeacher(card: TeacherCard, opts: OnnxOptions = {}): Promise<TensorTeacher> {
  const contract = card.contract!;
  const bytes = readModelFile(card);
  const plan = await teacherProviderPlan(opts);
  const load = (providers: string[]) =>
    opts.inProcess
      ? inThread(bytes, card.modelPath, opts, providers)
      : inWorker(bytes, card.modelPath, opts, providers);
  const opened = await withCpuFallback(card.name, plan, async (providers) => {
    const session = await load(providers);
    try {
      const fit = fitCard(session, card);
      if (providers[0] !== 'cpu') {
        const n = fit.fixedBatch ?? 1;
        await session.run(
          fit.inputName,
          fit.outputName,
          new Float32Array(n * inputLength(contract.input)),
          inputDims(contract.input, n),
        );
      }
      return { session, ...fit };
    } catch (err) {
      await session.release();
      throw err;
    }
  });
  const { session, inputName, outputName, fixedBatch } = opened.value;
  const model = new OnnxModel(
    session,
    contract.input,
    inputName,
    outputName,
    fixedBatch,
    opened.provider,
    () => load(['cpu']),
    card.name,
    opts.onNotice,
  );
  if (opened.notice) model.notice(opened.notice);
  return new TensorTeacher(card.name, 'onnx', contract.input, contract.output, model, opts.batchSize);
}
