/**
 * The evaluate stage: on the labeled test set, each teacher alone (its plain map at the threshold), the
 * fused label (the same fusion and post-processing as the pseudo-labels; 'auto' reuses the weights it
 * estimated on the transferal set, so no test label is read before scoring) and each student, all scored
 * by the same per-image metrics on the ground truth's grid. The teachers' and fused masks are kept in
 * OUT/test/ for inspection.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FusionReport } from '../../shared/fusion-report.js';
import type { TransferSpec } from '../../shared/transfer.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import { caseMetrics, summarize, type CaseMetrics } from '../engine/metrics/index.js';
import { loadFolderSamples } from '../students/dataset.js';
import {
  evaluateMaskFolders,
  evaluateModel,
  truthOf,
  type EvaluateOptions,
  type Evaluation,
} from '../students/evaluate-run.js';
import { loadTeacherCard } from '../teachers/card.js';
import { readTeacherImages } from '../teachers/images.js';
import { openTeacher } from '../teachers/open.js';
import { runFolder, teacherDirName } from '../teachers/folder-run.js';
import type { TeacherRunner } from '../teachers/runner.js';
import type { StageHooks } from './pseudo-label.js';

export const TEST_DIR = 'test';

export interface SourceEvaluation {
  source: string;
  kind: 'teacher' | 'fused' | 'student';
  evaluation: Evaluation;
}

/** The transferal set's 'auto' weights to fuse the test set with; none for other methods (or an old ledger). */
export function reusableWeights(transferal: FusionReport | undefined): number[] | undefined {
  if (transferal?.method !== 'auto') return undefined;
  const w = transferal.teachers.map((t) => t.weight);
  return w.every((x): x is number => x !== null) ? w : undefined;
}

export async function evaluateOnTest(
  spec: TransferSpec & { test: NonNullable<TransferSpec['test']> },
  teachers: readonly TeacherRunner[],
  students: readonly { name: string; modelDir: string }[],
  hooks: StageHooks = {},
  transferalFusion?: FusionReport,
): Promise<SourceEvaluation[]> {
  const root = join(spec.out, TEST_DIR);
  rmSync(root, { recursive: true, force: true });
  const fusedDir = join(root, 'fused');
  const teacherDir = join(root, 'teachers');
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  const reuse = reusableWeights(transferalFusion);
  await runFolder(teachers, {
    images: spec.test.images,
    out: fusedDir,
    teacherMasks: teacherDir,
    fusion: spec.fusion,
    ...(reuse ? { reuseWeights: reuse } : {}),
    post: spec.post,
    ...signal,
    onProgress: (done, total) => hooks.onProgress?.('teachers on the test set', done, total),
  });
  const out: SourceEvaluation[] = [];
  for (const t of teachers)
    out.push({
      source: t.name,
      kind: 'teacher',
      evaluation: await evaluateMaskFolders(
        join(teacherDir, teacherDirName(t.name)),
        spec.test.masks,
        signal,
      ),
    });
  if (teachers.length > 1)
    out.push({
      source: `fused (${spec.fusion.method})`,
      kind: 'fused',
      evaluation: await evaluateMaskFolders(fusedDir, spec.test.masks, signal),
    });
  for (const s of students) {
    hooks.onProgress?.(`${s.name} on the test set`);
    out.push({
      source: s.name,
      kind: 'student',
      evaluation: await evaluateModel(s.modelDir, spec.test.images, spec.test.masks, {
        ...signal,
        onProgress: (done, total) => hooks.onProgress?.(`${s.name} on the test set`, done, total),
      }),
    });
  }
  return out;
}

/**
 * Any model with a teacher card (ONNX, TF.js, the third-party teachers, an exported student): run through
 * the teachers module with the card's own contract, probabilities on each image's grid, mask = p > 0.5.
 */
export async function evaluateCard(
  cardPath: string,
  imagesDir: string,
  truthDir: string,
  opts: EvaluateOptions = {},
): Promise<Evaluation> {
  const runner = await openTeacher(loadTeacherCard(cardPath));
  try {
    const { samples, unpaired } = await loadFolderSamples(
      imagesDir,
      truthDir,
      opts.ids ? { ids: opts.ids } : {},
    );
    const cases: CaseMetrics[] = [];
    for (const s of samples) {
      if (opts.signal?.aborted) throw new AppError(ErrorCode.CANCELLED, 'Evaluation cancelled');
      const [image] = await readTeacherImages(s.imagePath!);
      const [res] = await runner.predict([image!]);
      if (!res!.ok) throw res!.error;
      const pred = Uint8Array.from(res!.prob, (p) => (p > 0.5 ? 1 : 0));
      cases.push(caseMetrics(s.id, pred, truthOf(s), s.rows, s.cols, opts.spacing ?? s.spacing));
      opts.onProgress?.(cases.length, samples.length);
    }
    return { summary: summarize(cases), cases, unpaired };
  } finally {
    await runner.dispose();
  }
}
