/**
 * The bundled demo (`apprentice demo`, the README's first command): the whole method on real images
 * that ship with the repository (build/demo/hc18, 171 HC18 fetal-head ultrasound images, CC BY 4.0).
 *   1. two teachers of different architectures (U-Net, Residual U-Net) are trained on the labeled part;
 *   2. each is exported as ONNX + card and from then on used only through its card, like a third party's;
 *   3. a transfer: they pseudo-label the unlabeled transferal part, a student of a third architecture
 *      (Attention U-Net) learns from the fused labels, and all are scored on the held-out test part.
 * Every setting is fixed and seeded, so a second run prints the same numbers.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TransferSpecInput, TransferSummary } from '../../shared/transfer.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { initCompute } from '../engine/backend.js';
import { DEFAULT_AUGMENT } from '../students/augment.js';
import { hasCheckpoint } from '../students/checkpoint.js';
import { CHECKPOINT_DIR } from '../students/outputs.js';
import type { TrainJobRequest } from '../students/run.js';
import { DEFAULT_TRAIN_OPTIONS } from '../students/trainer.js';
import { resolveConfig } from '../engine/zoo/index.js';
import { exportStudent } from '../students/export/export-student.js';
import { APP_VERSION } from '../util/version.js';
import { runTrainingInWorker } from '../workers/run-train-worker.js';
import { runTransfer, type TransferHooks, type TransferProgress } from './pipeline.js';
import { parseSpec } from './spec-file.js';

/**
 * build/demo/hc18 from electron/transfer (source) or dist/electron/transfer (built); in an installed app,
 * resources/demo/hc18 beside app.asar (electron-builder's extraResources).
 */
export function demoDataDir(): string {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const candidates = [
    join(import.meta.dirname, '..', '..', 'build', 'demo', 'hc18'),
    join(import.meta.dirname, '..', '..', '..', 'build', 'demo', 'hc18'),
    ...(resources ? [join(resources, 'demo', 'hc18')] : []),
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'manifest.csv'))) return dir;
  throw new AppError(
    ErrorCode.NOT_FOUND,
    'The bundled demo data (build/demo/hc18) is missing from this installation',
  );
}

export const DEMO_SIZE = 128;
const CASE_REGEX = '^(\\d+)_';

/** The two teachers: different architectures, same labeled images. */
export const DEMO_TEACHERS = [
  { name: 'teacher-unet', arch: 'unet', epochs: 40 },
  { name: 'teacher-resunet', arch: 'residual-unet', epochs: 40 },
] as const;

export interface DemoOptions {
  out: string;
  seed?: number;
  fresh?: boolean;
  signal?: AbortSignal;
  onPhase?(line: string): void;
  onProgress?(p: TransferProgress): void;
  /** Smaller, faster settings (tests): fewer epochs, 64 px. */
  quick?: boolean;
}

export interface DemoResult {
  teachers: { name: string; arch: string; card: string; valDice: number | null; seconds: number }[];
  transfer: TransferSummary;
}

export function demoSpec(data: string, cards: string[], o: DemoOptions): TransferSpecInput {
  return {
    name: 'demo-student-attention-unet',
    teachers: cards,
    transferal: { images: join(data, 'transferal', 'images') },
    fusion: { method: 'mean', threshold: 0.5 },
    post: { largestComponent: true, fillHoles: true, minIslandSize: 0 },
    student: {
      arch: 'attention-unet',
      size: o.quick ? 64 : DEMO_SIZE,
      epochs: o.quick ? 3 : 60,
      batchSize: 8,
      learningRate: 2e-3,
      patience: 0,
      valFraction: 0.2,
      augment: true,
    },
    test: { images: join(data, 'test', 'images'), masks: join(data, 'test', 'masks') },
    caseRegex: CASE_REGEX,
    seed: o.seed ?? 1,
    out: join(o.out, 'transfer'),
  };
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const data = demoDataDir();
  await initCompute(); // the teachers' export runs tfjs here
  const teachers: DemoResult['teachers'] = [];
  for (const t of DEMO_TEACHERS) {
    const dir = join(o.out, 'teachers', t.name);
    const card = join(dir, 'export', `${t.name}.json`);
    const trainDir = join(dir, 'training');
    if (o.fresh === true) rmSync(dir, { recursive: true, force: true });
    if (existsSync(card)) {
      o.onPhase?.(`${t.name}: already trained (${card})`);
      teachers.push({ name: t.name, arch: t.arch, card, valDice: null, seconds: 0 });
      continue;
    }
    o.onPhase?.(`training ${t.name} (${t.arch}) on ${join(data, 'teachers')}`);
    const req: TrainJobRequest = {
      name: t.name,
      data: {
        kind: 'folders',
        images: join(data, 'teachers', 'images'),
        masks: join(data, 'teachers', 'masks'),
        caseRegex: CASE_REGEX,
      },
      model: {
        kind: 'zoo',
        config: resolveConfig(t.arch, { size: o.quick ? 64 : DEMO_SIZE, seed: o.seed ?? 1 }),
      },
      options: {
        ...DEFAULT_TRAIN_OPTIONS,
        epochs: o.quick ? 3 : t.epochs,
        patience: 0,
        seed: o.seed ?? 1,
        augment: DEFAULT_AUGMENT,
      },
      split: { valFraction: 0.2 },
      outDir: trainDir,
      resume: hasCheckpoint(join(trainDir, CHECKPOINT_DIR)),
    };
    const r = await runTrainingInWorker(req, {
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (p) => {
        if (p.phase === 'checkpoint')
          o.onPhase?.(
            `  ${t.name} epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}, val Dice ${p.valDice?.toFixed(4) ?? '-'}`,
          );
      },
    });
    if (r.cancelled) throw new AppError(ErrorCode.CANCELLED, 'Demo stopped; run it again to continue');
    const e = await exportStudent({
      student: trainDir,
      out: join(dir, 'export'),
      name: t.name,
      appVersion: APP_VERSION,
    });
    teachers.push({ name: t.name, arch: t.arch, card: e.card, valDice: r.bestValDice, seconds: r.seconds });
  }
  const spec = parseSpec(
    demoSpec(
      data,
      teachers.map((t) => t.card),
      o,
    ),
    o.out,
    'demo spec',
  );
  const hooks: TransferHooks = {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    fresh: o.fresh === true,
  };
  return { teachers, transfer: await runTransfer(spec, hooks) };
}
